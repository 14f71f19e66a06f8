/**
 * Text for the search benchmark: agent names and descriptions built from a working vocabulary,
 * so words repeat across the catalog the way real listings do (many PDF tools, many Slack bots),
 * and the queries a person would type against it: words, two words, prefixes and typos.
 */
import type { AgentText } from "./seed-agents.ts";

const adjectives = ["Smart", "Quick", "Auto", "Simple", "Pro", "Open", "Tiny", "Fast", "Friendly", "Secure", "Daily", "Instant", "Deep", "Lean", "Bright"];
const subjects = [
  "PDF",
  "Invoice",
  "Slack",
  "Email",
  "Calendar",
  "Meeting",
  "Code",
  "SQL",
  "Kubernetes",
  "Docker",
  "Resume",
  "Recipe",
  "Travel",
  "Budget",
  "Expense",
  "Podcast",
  "Image",
  "Video",
  "Tweet",
  "Contract",
  "Ticket",
  "Log",
  "Security",
  "Grammar",
  "Stock",
  "Weather",
  "Chess",
  "Plant",
  "Gift",
  "Study",
  "Translation",
  "Sentiment",
  "Interview",
  "Release",
  "Dependency",
  "Test",
  "Data",
  "Spreadsheet",
  "Markdown",
  "Jira",
];
const roles = [
  "Summarizer",
  "Parser",
  "Assistant",
  "Reviewer",
  "Builder",
  "Helper",
  "Tracker",
  "Planner",
  "Guardian",
  "Writer",
  "Scanner",
  "Analyzer",
  "Scheduler",
  "Converter",
  "Formatter",
  "Monitor",
  "Coach",
  "Digest",
  "Bot",
  "Agent",
];
const verbs = [
  "summarizes",
  "extracts",
  "reviews",
  "schedules",
  "translates",
  "monitors",
  "classifies",
  "cleans",
  "drafts",
  "tracks",
  "explains",
  "converts",
  "audits",
  "ranks",
  "plans",
];
const objects = [
  "long reports",
  "scanned invoices",
  "pull requests",
  "busy channels",
  "meeting recordings",
  "job applications",
  "shopping lists",
  "flight prices",
  "monthly budgets",
  "podcast episodes",
  "product photos",
  "support tickets",
  "error logs",
  "leaked secrets",
  "spreadsheets",
  "legal contracts",
  "stock portfolios",
  "weather forecasts",
  "chess games",
  "houseplants",
  "lecture slides",
  "customer reviews",
  "release notes",
  "outdated packages",
  "container images",
  "database queries",
  "markdown documents",
  "team standups",
  "sprint boards",
  "tax receipts",
];
const extras = [
  "Works with the tools your team already uses.",
  "Runs locally and keeps your data private.",
  "Answers in plain English.",
  "Sends a short report every morning.",
  "Handles dozens of languages.",
  "Flags anything unusual for a human to check.",
];

const pick = <T>(list: readonly T[], n: number): T => list[n % list.length]!;

export const searchText: AgentText = (i) => {
  const subject = pick(subjects, i * 7);
  return {
    name: `${pick(adjectives, i * 13 + Math.floor(i / 600))} ${subject} ${pick(roles, i * 3 + Math.floor(i / 40))}${i % 4 === 0 ? ` ${(i % 97) + 1}` : ""}`,
    description: `${subject} agent that ${pick(verbs, i * 5)} ${pick(objects, i * 11)} and ${pick(verbs, i * 17 + 3)} ${pick(objects, i * 19 + 7)}. ${pick(extras, i)}`,
  };
};

/** A query a person might type: some prefixes and typos among whole words. */
const queryWords = [...subjects, ...roles, ...objects.map((o) => o.split(" ").at(-1)!)].map((w) => w.toLowerCase());

export function searchQuery(n: number): string {
  const word = (k: number) => pick(queryWords, k);
  const w1 = word(n * 31 + 7);
  const w2 = word(n * 17 + Math.floor(n / 90) + 3);
  switch (n % 5) {
    case 0:
      return w1;
    case 1:
      return `${w1} ${w2}`;
    case 2:
      return w1.slice(0, Math.max(3, w1.length - 3)); // still typing
    case 3:
      return w1.length > 4 ? `${w1.slice(0, 2)}${w1[3]}${w1[2]}${w1.slice(4)}` : `${w1} ${w2.slice(0, 3)}`; // two letters swapped
    default:
      return `${pick(adjectives, n).toLowerCase()} ${w1} ${w2.slice(0, 4)}`;
  }
}
