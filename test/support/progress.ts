// Progress during long work (issue 18 §2): a script run whose output lines carry the time they
// arrived, so a test can check that the script never stays silent longer than its progress interval.
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { bashEnv, findOnPath } from "./scripts";

export interface TimedLine {
    atMs: number; // since the start of the run
    stream: "stdout" | "stderr";
    text: string;
}

export interface TimedRun {
    code: number | null;
    stdout: string;
    stderr: string;
    lines: TimedLine[];
    elapsedMs: number;
}

/**
 * Runs `bash -c "<script text>" <name> <args>` (as the program does on the host) in its own process
 * group with `stdin`, noting when each complete output line arrives; kills the group after `timeoutMs`.
 */
export function runTimed(scriptFile: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number, stdin = ""): Promise<TimedRun> {
    const text = fs.readFileSync(scriptFile, "utf8");
    const name = path.basename(scriptFile, ".sh");
    const started = Date.now();
    const lines: TimedLine[] = [];
    const out = { stdout: "", stderr: "" };
    const partial = { stdout: "", stderr: "" };
    const collect = (stream: "stdout" | "stderr") => (chunk: Buffer) => {
        const atMs = Date.now() - started;
        out[stream] += chunk.toString();
        const parts = (partial[stream] + chunk.toString()).split("\n");
        partial[stream] = parts.pop() ?? "";
        for (const line of parts) lines.push({ atMs, stream, text: line });
    };
    return new Promise((resolve, reject) => {
        const child = spawn(findOnPath("bash", "progress tests"), ["-c", text, name, ...args], { env: bashEnv(env), detached: true, stdio: ["pipe", "pipe", "pipe"] });
        child.stdout.on("data", collect("stdout"));
        child.stderr.on("data", collect("stderr"));
        const timer = setTimeout(() => {
            if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
            reject(new Error(`${name} ran longer than ${timeoutMs} ms\nstdout:\n${out.stdout}\nstderr:\n${out.stderr}`));
        }, timeoutMs);
        child.on("error", (err) => { clearTimeout(timer); reject(err); });
        child.stdin.on("error", () => { /* the script may exit before reading stdin */ });
        child.stdin.end(stdin);
        child.on("close", (code) => {
            clearTimeout(timer);
            const elapsedMs = Date.now() - started;
            for (const stream of ["stdout", "stderr"] as const) {
                if (partial[stream] !== "") lines.push({ atMs: elapsedMs, stream, text: partial[stream] });
            }
            resolve({ code, ...out, lines, elapsedMs });
        });
    });
}

/** The longest time without a new output line: from the start, between lines, and up to the end of the run. */
export function longestSilenceMs(run: TimedRun): number {
    const times = [0, ...run.lines.map((l) => l.atMs).sort((a, b) => a - b), run.elapsedMs];
    let longest = 0;
    for (let i = 1; i < times.length; i++) longest = Math.max(longest, times[i] - times[i - 1]);
    return longest;
}

/**
 * Slack for process start-up and scheduling on a busy test machine: a script that prints every
 * interval is seen a little later than that by the test, never a whole interval later.
 */
export const SCHEDULING_SLACK_MS = 600;
