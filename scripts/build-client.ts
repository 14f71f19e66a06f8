/**
 * `npm run build -w client`: client/dist/, ESM JavaScript for Node 20+ and self-contained
 * declarations. The router's type is bundled from the server's sources by dts-bundle-generator
 * (it inlines our own types and keeps only `@trpc/server`); the client's sources are then
 * compiled by tsc against that bundle instead of the server. The result is checked: a
 * declaration naming the server's runtime, a path alias or a `.ts` file fails the build.
 */
import { cp, mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";

const root = join(import.meta.dir, "..");
const client = join(root, "client");
const dist = join(client, "dist");
const work = join(client, ".build");
const bin = (name: string) => join(root, "node_modules", ".bin", name);
const started = performance.now();

function run(cmd: string[]): void {
  const result = Bun.spawnSync(cmd, { cwd: root, stdout: "inherit", stderr: "inherit" });
  if (result.exitCode !== 0) throw new Error(`${cmd.map((c) => relative(root, c) || c).join(" ")} exited with ${result.exitCode}`);
}

await rm(dist, { recursive: true, force: true });
await rm(work, { recursive: true, force: true });
await mkdir(join(work, "src"), { recursive: true });

// 1. AppRouter with everything it names inlined, except @trpc/server.
const routerTypes = join(work, "router.d.ts");
run([
  bin("dts-bundle-generator"),
  "--project",
  join(client, "tsconfig.dts.json"),
  "--no-check",
  "--silent",
  "--export-referenced-types",
  "false",
  "-o",
  routerTypes,
  join(client, "src", "router.ts"),
]);

// 2. The client's sources, with the bundle in place of the file that reaches into the server.
await cp(join(client, "src"), join(work, "src"), { recursive: true, filter: (path) => !path.endsWith(".test.ts") && !path.endsWith("router.ts") });
await cp(routerTypes, join(work, "src", "router.d.ts"));
await writeFile(
  join(work, "tsconfig.json"),
  JSON.stringify({
    compilerOptions: {
      target: "ES2022",
      module: "NodeNext",
      moduleResolution: "NodeNext",
      lib: ["ES2022", "DOM", "DOM.Iterable"],
      types: ["node"],
      strict: true,
      noUncheckedIndexedAccess: true,
      verbatimModuleSyntax: true,
      isolatedModules: true,
      skipLibCheck: true,
      declaration: true,
      rootDir: "src",
      outDir: dist,
    },
    include: ["src"],
  }),
);
run([bin("tsc"), "-p", join(work, "tsconfig.json")]);
await cp(routerTypes, join(dist, "router.d.ts"));
await rm(work, { recursive: true, force: true });

// 3. What a consumer's compiler will read must stand alone.
const forbidden = [
  /drizzle/i,
  /["']pg["']/,
  /ioredis/i,
  /@aws-sdk/i,
  /pglite/i,
  /\bBun\b|["']bun["']|bun-types/,
  /elysia/i,
  /from ["'][^"']*\.ts["']/,
  /import\(["'][^"']*\.ts["']\)/,
  /["'](\.\.\/){2,}/,
  /["'][@~#]\//,
];
const problems: string[] = [];
let jsBytes = 0;
let dtsBytes = 0;
for (const file of await listFiles(dist)) {
  const size = (await stat(file)).size;
  if (file.endsWith(".d.ts")) {
    dtsBytes += size;
    const source = await readFile(file, "utf8");
    if (/<reference /.test(source)) problems.push(`${relative(root, file)} has a triple-slash reference`);
    // Comments may mention Bun or a .ts file; only code counts.
    const text = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
    for (const pattern of forbidden) if (pattern.test(text)) problems.push(`${relative(root, file)} matches ${pattern}`);
  } else if (file.endsWith(".js")) jsBytes += size;
}
if (problems.length > 0) {
  console.error(`client/dist is not self-contained:\n${problems.join("\n")}`);
  process.exit(1);
}
console.log(
  `built client/dist: ${(jsBytes / 1024).toFixed(1)} KiB of JavaScript, ${(dtsBytes / 1024).toFixed(1)} KiB of declarations in ${Math.round(performance.now() - started)} ms`,
);

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}
