/**
 * package.json sanity for Node agents (the `quality` check). High severity where the agent
 * cannot work as published (not JSON, entry point missing), medium where tools or users will
 * trip (no name or semver version, dependencies that are not bundled while the sandbox and many
 * installs have no network, install hooks), low for missing metadata.
 */
import { parseSemver } from "../../contract/semver.ts";
import type { ValidationIssue } from "../../contract/validation.ts";
import { hasFile, normalizeMain, type PackageJson } from "./agent-files.ts";
import type { AgentPackage } from "./types.ts";

const FILE = "package.json";
// npm's rules for new package names: lowercase, URL-safe, optional @scope/, at most 214 chars.
const NPM_NAME = /^(?:@[a-z0-9~-][a-z0-9._~-]*\/)?[a-z0-9~-][a-z0-9._~-]*$/;
const INSTALL_HOOKS = ["preinstall", "install", "postinstall"];

export function packageJsonIssues(pkg: PackageJson, agent: AgentPackage): ValidationIssue[] {
  if (pkg.state === "absent") return [];
  if (pkg.state === "invalid") return [{ severity: "high", code: "package_json_invalid", message: pkg.error, file: FILE }];
  const json = pkg.json;
  const issues: ValidationIssue[] = [];
  const issue = (severity: ValidationIssue["severity"], code: string, message: string) => issues.push({ severity, code, message, file: FILE });

  if (typeof json.name !== "string" || json.name.length === 0) issue("medium", "package_json_name_missing", "`name` is missing");
  else if (json.name.length > 214 || !NPM_NAME.test(json.name))
    issue("medium", "package_json_name_invalid", `\`name\` "${json.name}" is not a valid npm package name`);

  if (typeof json.version !== "string") issue("medium", "package_json_version_missing", "`version` is missing");
  else if (!parseSemver(json.version)) issue("medium", "package_json_version_invalid", `\`version\` "${json.version}" is not semver (x.y.z)`);

  if (json.main !== undefined) {
    const main = normalizeMain(json.main);
    if (main === null) issue("high", "package_json_main_invalid", "`main` must be a relative path inside the package");
    else if (!hasFile(agent, main) && !hasFile(agent, `${main}.js`))
      issue("high", "package_json_main_missing", `\`main\` points to ${main}, which is not in the package`);
  } else if (!hasFile(agent, "index.js") && !hasFile(agent, "dist/index.js")) {
    issue("high", "package_json_no_entry", "No `main`, and neither index.js nor dist/index.js exists");
  }

  if (json.type !== undefined && json.type !== "module" && json.type !== "commonjs") {
    issue("medium", "package_json_type_invalid", '`type` must be "module" or "commonjs"');
  }
  for (const field of ["dependencies", "devDependencies", "optionalDependencies", "peerDependencies"]) {
    const value = json[field];
    if (value !== undefined && !isStringRecord(value))
      issue("medium", "package_json_dependencies_invalid", `\`${field}\` must map package names to version strings`);
  }
  const dependencies = isStringRecord(json.dependencies) ? Object.keys(json.dependencies) : [];
  const unbundled = dependencies.filter((name) => !agent.files.some((file) => file.path.startsWith(`node_modules/${name}/`)));
  if (unbundled.length > 0) {
    issue("medium", "dependencies_not_bundled", `Dependencies not bundled in node_modules (agents run without network): ${unbundled.slice(0, 10).join(", ")}`);
  }
  const scripts = isStringRecord(json.scripts) ? json.scripts : {};
  const hooks = INSTALL_HOOKS.filter((hook) => hook in scripts);
  if (hooks.length > 0) issue("medium", "install_scripts", `Install hooks run code on the user's machine at install time: ${hooks.join(", ")}`);

  if (typeof json.description !== "string" || json.description.trim() === "") issue("low", "package_json_description_missing", "`description` is missing");
  if (json.license === undefined) issue("low", "package_json_license_missing", "`license` is missing");
  return issues;
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && Object.values(value).every((v) => typeof v === "string");
}
