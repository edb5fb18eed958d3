// Every concept's scripts/ folder, found on disk, so tests cover a script as
// soon as it is added to any concept.
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ScriptFolder, scriptFolder } from "../../components/host/remoteScript";

export const COMPONENTS_DIR = path.resolve(__dirname, "../../components");

/** Every `scripts/` folder under components/, a concept's or a host backend's (components/host/aws/scripts). */
function scriptDirs(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).flatMap((e) =>
        e.name === "scripts" ? [path.join(dir, e.name)] : scriptDirs(path.join(dir, e.name)));
}

export const SCRIPT_FOLDERS: ScriptFolder[] = scriptDirs(COMPONENTS_DIR)
    .map((dir) => scriptFolder(dir))
    .sort((a, b) => a.dir.localeCompare(b.dir));

/** Every host script as [name, folder], by file name without `.sh`. */
export function allScripts(): { name: string; file: string; folder: ScriptFolder }[] {
    return SCRIPT_FOLDERS.flatMap((folder) => fs.readdirSync(folder.dir).filter((f) => f.endsWith(".sh")).sort()
        .map((f) => ({ name: path.basename(f, ".sh"), file: path.join(folder.dir, f), folder })));
}

/** The folder that holds `<name>.sh`; fails loudly when none or several do. */
export function scriptNamed(name: string): ScriptFolder {
    const hits = allScripts().filter((s) => s.name === name);
    if (hits.length !== 1) throw new Error(`${hits.length} scripts named ${name}.sh under ${COMPONENTS_DIR}`);
    return hits[0].folder;
}

/**
 * The environment for a bash the tests start with an environment of their own. Node gives a child its
 * stdin as a socket, and bash run with its stdin a socket and SHLVL below 2 takes itself to be started
 * by sshd and sources /etc/bash.bashrc and ~/.bashrc (bash shell.c run_startup_files, isnetconn; Debian
 * builds with SSH_SOURCE_BASHRC): the developer's ~/.bashrc, which may take half a second (pyenv init)
 * and change PATH under the test. SHLVL=1 says it is a child of a shell; everything else is the test's.
 */
export function bashEnv<T extends NodeJS.ProcessEnv>(env: T): T & { SHLVL: string } {
    return { ...env, SHLVL: "1" };
}

export interface ScriptRun {
    code: number | null;
    stdout: string;
    stderr: string;
    elapsedMs: number;
}

/** The full path of a tool on this machine's PATH; fails the test, saying what needs it, when it is missing. */
export function findOnPath(tool: string, neededBy: string): string {
    for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
        const candidate = path.join(dir, tool);
        try {
            fs.accessSync(candidate, fs.constants.X_OK);
            return candidate;
        } catch {
            // not in this directory
        }
    }
    throw new Error(`'${tool}' is not installed; ${neededBy} need it`);
}

/**
 * Runs a script the way the program does on the host, `bash -c "<text>" <name> <args>`, in its own
 * process group so that a hung stub and its children can all be killed when `timeoutMs` runs out.
 */
export function runScriptFile(scriptFile: string, args: string[], env: NodeJS.ProcessEnv, opts: { stdin?: string; timeoutMs: number }): Promise<ScriptRun> {
    const text = fs.readFileSync(scriptFile, "utf8");
    const name = path.basename(scriptFile, ".sh");
    const started = Date.now();
    return new Promise((resolve, reject) => {
        const child = spawn(findOnPath("bash", "script tests"), ["-c", text, name, ...args], { env: bashEnv(env), detached: true, stdio: ["pipe", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk: Buffer) => { stdout += chunk.toString(); });
        child.stderr.on("data", (chunk: Buffer) => { stderr += chunk.toString(); });
        const timer = setTimeout(() => {
            if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
            reject(new Error(`${name} ${args.join(" ")} ran longer than ${opts.timeoutMs} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
        }, opts.timeoutMs);
        child.on("error", (err) => { clearTimeout(timer); reject(err); });
        child.on("close", (code) => {
            clearTimeout(timer);
            resolve({ code, stdout, stderr, elapsedMs: Date.now() - started });
        });
        child.stdin.on("error", () => { /* the script may exit before reading stdin */ });
        child.stdin.end(opts.stdin ?? "");
    });
}
