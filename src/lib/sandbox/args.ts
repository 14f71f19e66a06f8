/**
 * The bubblewrap command line of the sandbox (src/lib/sandbox.ts) and the host facts it needs:
 * where the system's binaries and node live. Kept apart so the mount plan reads in one place.
 */
import { existsSync, lstatSync, readlinkSync, realpathSync } from "node:fs";
import { basename, dirname } from "node:path";

/** Where the agent's files appear inside the sandbox (bound read-only). */
export const AGENT_MOUNT = "/agent";
/** `nobody`: the uid and gid of the sandboxed program, inside its user namespace and, when this
 * process is root, outside it too (see sandbox.ts). */
const SANDBOX_UID = 65534;

// Searched instead of $PATH, so a node_modules/.bin or a shim cannot stand in for a system tool.
const SYSTEM_PATH = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];
// Top-level entries that are symlinks into /usr on merged-/usr systems and real dirs elsewhere.
const ROOT_LINKS = ["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"];

export function findSystemTool(name: string): string | null {
  for (const dir of SYSTEM_PATH) {
    const candidate = `${dir}/${name}`;
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

export interface NodeRuntime {
  /** Resolved path of the node binary. */
  binary: string;
  /** Installation prefix to bind read-only when it is outside /usr (nvm, /opt, ...), else null. */
  bindPrefix: string | null;
}

/**
 * The node that sandboxed Node agents run on: /usr/bin/node when present, else the first real
 * `node` on $PATH. Bun puts a `node` shim pointing at itself on $PATH under `bun run`; that is
 * skipped, since agents are promised node.
 */
export function findNodeRuntime(): NodeRuntime | null {
  const searchPath = (process.env.PATH ?? "").split(":").filter((dir) => dir.startsWith("/"));
  for (const dir of ["/usr/bin", ...searchPath, "/usr/local/bin"]) {
    const candidate = `${dir}/node`;
    if (!existsSync(candidate)) continue;
    const binary = realpathSync(candidate);
    if (basename(binary).startsWith("bun")) continue;
    const inUsr = binary.startsWith("/usr/");
    // <prefix>/bin/node: the prefix holds the lib/ node needs for nothing at run time, but
    // binding it whole keeps npm-style layouts (and node's own symlinks) working.
    return { binary, bindPrefix: inUsr ? null : dirname(dirname(binary)) };
  }
  return null;
}

export interface BwrapPlan {
  /** Host directory bound read-only at /agent. */
  dir: string;
  command: string[];
  env: Record<string, string>;
  tmpfsBytes: number;
  node: NodeRuntime | null;
  /** bwrap >= 0.8 can forbid creating further user namespaces inside. */
  disableUserns: boolean;
}

export function bwrapArguments(plan: BwrapPlan): string[] {
  const args = [
    // New user, pid, net (only `lo`), ipc, uts, mount and cgroup namespaces; no capabilities.
    "--unshare-all",
    "--unshare-user",
    ...(plan.disableUserns ? ["--disable-userns"] : []),
    "--uid",
    String(SANDBOX_UID),
    "--gid",
    String(SANDBOX_UID),
    "--hostname",
    "sandbox",
    "--cap-drop",
    "ALL",
    // The sandbox dies with its parent, and a new session keeps it off our terminal (TIOCSTI).
    "--die-with-parent",
    "--new-session",
    "--clearenv",
    ...systemMounts(),
  ];
  if (plan.node?.bindPrefix) args.push("--ro-bind", plan.node.bindPrefix, plan.node.bindPrefix);
  args.push(
    "--proc",
    "/proc",
    "--dev",
    "/dev",
    "--size",
    String(plan.tmpfsBytes),
    "--tmpfs",
    "/tmp",
    "--ro-bind",
    plan.dir,
    AGENT_MOUNT,
    "--chdir",
    AGENT_MOUNT,
    // Everything above is mounted; the root itself (bwrap's tmpfs) becomes read-only last.
    "--remount-ro",
    "/",
  );
  for (const [name, value] of Object.entries(sandboxEnv(plan))) args.push("--setenv", name, value);
  args.push("--", ...plan.command);
  return args;
}

/** /usr read-only, the merged-/usr links (or real dirs), and the dynamic loader's cache. */
function systemMounts(): string[] {
  const args = ["--ro-bind", "/usr", "/usr"];
  for (const path of ROOT_LINKS) {
    const stat = lstatSync(path, { throwIfNoEntry: false });
    if (!stat) continue;
    if (stat.isSymbolicLink()) args.push("--symlink", readlinkSync(path), path);
    else if (stat.isDirectory()) args.push("--ro-bind", path, path);
  }
  // Only the loader cache from /etc: no passwd, hosts, resolv.conf or credentials of the host.
  args.push("--ro-bind-try", "/etc/ld.so.cache", "/etc/ld.so.cache");
  return args;
}

function sandboxEnv(plan: BwrapPlan): Record<string, string> {
  const nodeBin = plan.node ? dirname(plan.node.binary) : null;
  const path = [nodeBin, "/usr/local/bin", "/usr/bin", "/bin"].filter((dir, i, all): dir is string => !!dir && all.indexOf(dir) === i);
  return {
    PATH: path.join(":"),
    HOME: "/tmp",
    TMPDIR: "/tmp",
    USER: "sandbox",
    LANG: "C.UTF-8",
    // /agent is read-only: no bytecode caches, and output reaches us even when a run is killed.
    PYTHONDONTWRITEBYTECODE: "1",
    PYTHONUNBUFFERED: "1",
    ...plan.env,
  };
}
