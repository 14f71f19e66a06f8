/**
 * The relevance suite's catalog: 40 hand-written agents that queries aim at, among 200 generated
 * look-alikes that share their words (other PDF tools, other code tools, ...) and are often more
 * popular, so a query finds its agent by text, not by downloads.
 */

export interface FixtureAgent {
  name: string;
  description: string;
  downloads: number;
  stars: number;
}

export interface RelevanceCase {
  kind: "exact name" | "description word" | "typo" | "prefix" | "two words";
  q: string;
  /** Name of the agent that must come within the first `within` results. */
  expect: string;
  within: 1 | 3;
}

const target = (name: string, description: string, downloads = 40, stars = 3): FixtureAgent => ({ name, description, downloads, stars });

export const targetAgents: FixtureAgent[] = [
  target("PDF Summarizer", "Reads long PDF reports and writes a one-page summary with the key figures and decisions."),
  target("Code Reviewer", "Reviews pull requests, points out bugs, risky changes and missing tests before merge."),
  target("Invoice Parser", "Extracts vendor, totals, tax and due dates from scanned invoices into structured JSON."),
  target("Slack Digest", "Posts a daily summary of busy Slack channels so nobody has to scroll back through threads."),
  target("SQL Query Builder", "Turns plain English questions into safe, parameterized SQL for PostgreSQL and MySQL."),
  target("Kubernetes Deploy Helper", "Generates manifests, rolls out deployments and explains failing pods in plain words."),
  target("Meeting Notes Taker", "Listens to calls and produces notes with decisions, owners and follow-up actions."),
  target("Resume Screener", "Ranks job applicants by matching their resumes against the requirements of an opening."),
  target("Web Scraper", "Crawls websites politely, respects robots.txt and exports tables and listings to CSV."),
  target("Translator", "Translates documents between forty languages while keeping formatting and glossary terms."),
  target("Recipe Planner", "Plans weekly meals from what is in the fridge, flags allergens and writes a shopping list."),
  target("Email Guardian", "Detects phishing attempts and spoofed senders before anyone clicks a link."),
  target("Expense Tracker", "Photographs receipts, categorizes spending and reconciles it with bank statements."),
  target("Release Notes Writer", "Reads merged commits and drafts a changelog grouped into features, fixes and breaking changes."),
  target("Study Buddy", "Turns lecture slides into flashcards and quizzes you with spaced repetition."),
  target("Customs Classifier", "Suggests harmonized tariff codes for products and estimates import duties."),
  target("Standup Bot", "Collects daily standup updates from the team in chat and posts a short report."),
  target("Log Analyzer", "Clusters error logs, spots anomalies and links spikes to recent deployments."),
  target("Contract Reviewer", "Highlights unusual clauses, liabilities and renewal dates in legal agreements."),
  target("Travel Itinerary Agent", "Builds day-by-day trip plans with flights, hotels and opening hours of museums."),
  target("Podcast Transcriber", "Transcribes audio episodes with speaker labels and chapter markers."),
  target("Tweet Scheduler", "Drafts and schedules posts for X at the hours your followers are most active."),
  target("Unit Test Generator", "Writes unit tests for Python and TypeScript functions, including edge cases."),
  target("Dependency Updater", "Opens pull requests that bump outdated packages and checks that the build still passes."),
  target("Image Captioner", "Writes alt text for images so websites stay accessible to screen reader users."),
  target("Calendar Assistant", "Finds meeting slots across time zones and sends invitations automatically."),
  target("Support Ticket Triage", "Sorts incoming support tickets by urgency and routes them to the right team."),
  target("Data Cleaner", "Removes duplicates, fixes date formats and fills gaps in messy spreadsheets."),
  target("Security Scanner", "Audits repositories for leaked secrets, vulnerable dependencies and unsafe shell calls."),
  target("Grammar Checker", "Corrects grammar, spelling and punctuation while keeping the author's voice."),
  target("Stock Watcher", "Tracks portfolio prices and alerts you when a stock crosses a threshold."),
  target("Weather Briefing", "Sends a morning forecast with rain, wind and pollen levels for your commute."),
  target("Docker Optimizer", "Shrinks container images by reordering layers and choosing slimmer base images."),
  target("Sentiment Monitor", "Measures how customers feel about your brand across reviews and social media."),
  target("Interview Coach", "Runs mock interviews and gives feedback on answers, pacing and filler words."),
  target("Budget Planner", "Builds a monthly household budget and warns before overspending."),
  target("API Doc Writer", "Generates reference documentation from OpenAPI specs with runnable examples."),
  target("Chess Tutor", "Analyzes your games, explains blunders and suggests openings to study."),
  target("Plant Care Reminder", "Reminds you when to water, fertilize and repot each houseplant."),
  target("Gift Finder", "Suggests presents within a budget from a short description of the person."),
];

/** Look-alikes: every one shares words with some target (pdf, code, invoice, slack, ...). */
const adjectives = ["Smart", "Quick", "Auto", "Simple", "Pro", "Open", "Tiny", "Fast", "Friendly", "Secure"];
const subjects: { noun: string; role: string; about: string }[] = [
  { noun: "PDF", role: "Converter", about: "converts PDF files to Word and images" },
  { noun: "PDF", role: "Merger", about: "merges and splits PDF documents" },
  { noun: "Code", role: "Formatter", about: "formats source code consistently across a repository" },
  { noun: "Code", role: "Explainer", about: "explains unfamiliar code line by line" },
  { noun: "Invoice", role: "Sender", about: "sends invoices and payment reminders to clients" },
  { noun: "Slack", role: "Notifier", about: "forwards alerts from monitoring tools into Slack channels" },
  { noun: "SQL", role: "Formatter", about: "pretty-prints SQL statements and lints naming" },
  { noun: "Meeting", role: "Scheduler", about: "books meeting rooms and sends agendas" },
  { noun: "Email", role: "Writer", about: "drafts polite email replies from bullet points" },
  { noun: "Data", role: "Visualizer", about: "draws charts from spreadsheets and databases" },
  { noun: "Summary", role: "Bot", about: "writes a short summary of any web page" },
  { noun: "Review", role: "Collector", about: "gathers product reviews from marketplaces" },
  { noun: "Test", role: "Runner", about: "runs test suites in parallel and reports flaky tests" },
  { noun: "Deploy", role: "Notifier", about: "announces each deploy with its commit list" },
  { noun: "Notes", role: "Organizer", about: "tags and links personal notes automatically" },
  { noun: "Recipe", role: "Scaler", about: "scales recipe quantities for any number of guests" },
  { noun: "Travel", role: "Expense Logger", about: "logs travel expenses in the company policy format" },
  { noun: "Image", role: "Resizer", about: "resizes and compresses images for the web" },
];

/** Deterministic, so a failure reproduces. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

export function fillerAgents(count = 200): FixtureAgent[] {
  const random = seeded(42);
  return Array.from({ length: count }, (_, i) => {
    const subject = subjects[i % subjects.length]!;
    const adjective = adjectives[Math.floor(i / subjects.length) % adjectives.length]!;
    return {
      name: `${adjective} ${subject.noun} ${subject.role}${i >= subjects.length * adjectives.length ? ` ${i}` : ""}`,
      description: `A ${adjective.toLowerCase()} agent that ${subject.about}. Works with the tools your team already uses.`,
      // Often far more popular than the targets: relevance has to win on text.
      downloads: Math.floor(random() * 5_000),
      stars: Math.floor(random() * 200),
    };
  });
}

export const relevanceCases: RelevanceCase[] = [
  // The exact name comes first, whatever else shares its words.
  { kind: "exact name", q: "PDF Summarizer", expect: "PDF Summarizer", within: 1 },
  { kind: "exact name", q: "Code Reviewer", expect: "Code Reviewer", within: 1 },
  { kind: "exact name", q: "invoice parser", expect: "Invoice Parser", within: 1 },
  { kind: "exact name", q: "Slack Digest", expect: "Slack Digest", within: 1 },
  { kind: "exact name", q: "SQL Query Builder", expect: "SQL Query Builder", within: 1 },
  { kind: "exact name", q: "Meeting Notes Taker", expect: "Meeting Notes Taker", within: 1 },
  { kind: "exact name", q: "translator", expect: "Translator", within: 1 },
  { kind: "exact name", q: "Data Cleaner", expect: "Data Cleaner", within: 1 },
  // A word only the description has.
  { kind: "description word", q: "phishing", expect: "Email Guardian", within: 1 },
  { kind: "description word", q: "receipts", expect: "Expense Tracker", within: 1 },
  { kind: "description word", q: "flashcards", expect: "Study Buddy", within: 1 },
  { kind: "description word", q: "tariff", expect: "Customs Classifier", within: 1 },
  { kind: "description word", q: "allergens", expect: "Recipe Planner", within: 3 },
  { kind: "description word", q: "changelog", expect: "Release Notes Writer", within: 1 },
  { kind: "description word", q: "blunders", expect: "Chess Tutor", within: 1 },
  { kind: "description word", q: "houseplant", expect: "Plant Care Reminder", within: 1 },
  // Typos, in names and in descriptions.
  { kind: "typo", q: "sumarizer", expect: "PDF Summarizer", within: 3 },
  { kind: "typo", q: "kubernets", expect: "Kubernetes Deploy Helper", within: 1 },
  { kind: "typo", q: "invioce parser", expect: "Invoice Parser", within: 1 },
  { kind: "typo", q: "transaltor", expect: "Translator", within: 1 },
  { kind: "typo", q: "web scrapper", expect: "Web Scraper", within: 1 },
  { kind: "typo", q: "phising", expect: "Email Guardian", within: 3 },
  { kind: "typo", q: "podcast transcriber", expect: "Podcast Transcriber", within: 1 },
  { kind: "typo", q: "grammer checker", expect: "Grammar Checker", within: 1 },
  // Still typing: the last word is a prefix.
  { kind: "prefix", q: "invo", expect: "Invoice Parser", within: 3 },
  { kind: "prefix", q: "kuber", expect: "Kubernetes Deploy Helper", within: 1 },
  { kind: "prefix", q: "pdf summ", expect: "PDF Summarizer", within: 1 },
  { kind: "prefix", q: "meeting no", expect: "Meeting Notes Taker", within: 1 },
  { kind: "prefix", q: "sql qu", expect: "SQL Query Builder", within: 1 },
  { kind: "prefix", q: "dock", expect: "Docker Optimizer", within: 1 },
  { kind: "prefix", q: "transcri", expect: "Podcast Transcriber", within: 3 },
  { kind: "prefix", q: "fertiliz", expect: "Plant Care Reminder", within: 1 }, // stemmed "fertil" in the description
  // Two words, not the name.
  { kind: "two words", q: "slack summary", expect: "Slack Digest", within: 3 },
  { kind: "two words", q: "pull requests bugs", expect: "Code Reviewer", within: 1 },
  { kind: "two words", q: "resume ranking", expect: "Resume Screener", within: 3 },
  { kind: "two words", q: "container images", expect: "Docker Optimizer", within: 1 },
  { kind: "two words", q: "support tickets", expect: "Support Ticket Triage", within: 1 },
  { kind: "two words", q: "leaked secrets", expect: "Security Scanner", within: 1 },
  { kind: "two words", q: "alt text", expect: "Image Captioner", within: 1 },
  { kind: "two words", q: "time zones", expect: "Calendar Assistant", within: 1 },
  { kind: "two words", q: "outdated packages", expect: "Dependency Updater", within: 1 },
  // Three words no agent has together: the two that belong together win.
  { kind: "two words", q: "pdf summary tool", expect: "PDF Summarizer", within: 3 },
];
