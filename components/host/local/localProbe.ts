// What prepare asks the workstation before any resource exists, for the `local`
// backend: does a Docker Engine answer, which version, how much memory, its ID
// (the machine's identity), when the containers the readiness steps wait for
// last started, and what the registry's name resolves to. The probe is an
// interface so tests run the checks against a stub `docker` on PATH or a fake.
import { execFile } from "child_process";
import * as dns from "dns";
import { PROJECT } from "../../config/config";
import {
    BigbangPackagesPlan, engineVersionProblem, HelmContainer, localToolsMode, memoryProblem, noEngineProblem, registryResolutionWarning, remoteEngineProblem,
} from "./localPlan";

export interface EngineFacts {
    serverVersion: string;
    /** `docker info` ID: stable for an engine's data (a reinstall or a Docker Desktop reset makes a new one). */
    id: string;
    /** `docker info` MemTotal, bytes (Docker Desktop: its VM's memory). */
    memTotal: number;
}

export interface LocalProbe {
    /** The engine's facts, or an Error saying why no engine answered. */
    engine(): Promise<EngineFacts | Error>;
    /** StartedAt of each named container that exists ("" for one that does not). */
    startedAt(containers: readonly string[]): Promise<string[]>;
    /** The IPv4 and IPv6 addresses the workstation resolves a name to ([] when it does not). */
    resolve(hostname: string): Promise<string[]>;
}

const DOCKER_TIMEOUT_MS = 30_000;

function run(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ ok: boolean; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
        execFile(file, args, { env, timeout: DOCKER_TIMEOUT_MS, maxBuffer: 4 * 1024 * 1024 }, (err, stdout, stderr) => {
            resolve({ ok: err === null, stdout: String(stdout), stderr: err && !stderr ? err.message : String(stderr) });
        });
    });
}

/** The probe that asks the `docker` on PATH (DOCKER_HOST, else the default socket) and the system resolver. */
export function dockerProbe(env: NodeJS.ProcessEnv = process.env): LocalProbe {
    return {
        async engine() {
            // `docker version` exits non-zero when the client cannot reach the server.
            const version = await run("docker", ["version", "--format", "{{.Server.Version}}"], env);
            if (!version.ok) return new Error(version.stderr || version.stdout);
            const info = await run("docker", ["info", "--format", "{{json .}}"], env);
            if (!info.ok) return new Error(info.stderr || info.stdout);
            let parsed: unknown;
            try {
                parsed = JSON.parse(info.stdout);
            } catch {
                return new Error(`docker info printed no JSON: ${info.stdout.slice(0, 200)}`);
            }
            const record = typeof parsed === "object" && parsed !== null ? parsed as Record<string, unknown> : {};
            const id = typeof record.ID === "string" ? record.ID : "";
            const memTotal = typeof record.MemTotal === "number" ? record.MemTotal : 0;
            if (id === "") return new Error("docker info reports no engine ID");
            return { serverVersion: version.stdout.trim(), id, memTotal };
        },
        async startedAt(containers) {
            return Promise.all(containers.map(async (name) => {
                const out = await run("docker", ["inspect", "--type", "container", "--format", "{{.State.StartedAt}}", name], env);
                return out.ok ? out.stdout.trim() : "";
            }));
        },
        async resolve(hostname) {
            try {
                const found = await dns.promises.lookup(hostname, { all: true });
                return found.map((a) => a.address);
            } catch {
                return [];
            }
        },
    };
}

export interface LocalCheckInput {
    platform: NodeJS.Platform;
    /** The hosted registry's name (only with registry.target hosted). */
    registryHostname?: string;
    /** The cluster's Docker network and the Helm image, for pushes through the container. */
    network: string;
    helmImage: string;
    /** With bigbang.install: the packages it turns on, and Big Bang's defaults. */
    bigbang?: BigbangPackagesPlan;
    /** The containers whose restarts are a "start" (the registry, the k3d server node). */
    startContainers: readonly string[];
    env: NodeJS.ProcessEnv;
}

/** What the local backend needs from prepare. */
export interface LocalFacts {
    /** The Docker Engine's ID: the machine's identity. */
    engineId: string;
    /** The containers' StartedAt, joined: a new value is a start (see LocalHost.lastStart). */
    lastStart: string;
    /** Set when pushes go through the Helm container (the registry's name does not resolve to 127.0.0.1 here). */
    helmContainer?: HelmContainer;
}

export interface LocalCheck {
    problems: string[];
    warnings: string[];
    facts?: LocalFacts;
}

/** Every refusal and warning of the local backend, all at once. */
export async function checkLocalWorkstation(input: LocalCheckInput, probe: LocalProbe): Promise<LocalCheck> {
    const problems: string[] = [];
    const warnings: string[] = [];
    if (localToolsMode(input.platform) === undefined) {
        problems.push(`${PROJECT}:host.backend: local runs on Linux and macOS workstations, not on ${input.platform}; use host.backend aws or ssh`);
    }
    const remote = remoteEngineProblem(input.env.DOCKER_HOST);
    if (remote) problems.push(remote);
    const [engine, resolved] = await Promise.all([
        probe.engine(),
        input.registryHostname === undefined ? Promise.resolve(undefined) : probe.resolve(input.registryHostname),
    ]);
    if (engine instanceof Error) {
        problems.push(noEngineProblem(engine.message, input.env));
        return { problems, warnings };
    }
    const versionProblem = engineVersionProblem(engine.serverVersion);
    if (versionProblem) problems.push(versionProblem);
    const memory = memoryProblem(engine.memTotal, input.bigbang);
    if (memory) problems.push(memory);
    let helmContainer: HelmContainer | undefined;
    if (input.registryHostname !== undefined && resolved !== undefined) {
        const warning = registryResolutionWarning(input.registryHostname, resolved);
        if (warning) {
            warnings.push(warning);
            helmContainer = { image: input.helmImage, network: input.network };
        }
    }
    const started = await probe.startedAt(input.startContainers);
    // Before the first create none exists: a constant, so runs before it agree.
    const lastStart = started.every((s) => s === "") ? "not started"
        : input.startContainers.map((name, i) => `${name}=${started[i] || "none"}`).join(" ");
    return { problems, warnings, facts: { engineId: engine.id, lastStart, helmContainer } };
}

/**
 * Where whole-program tests put a probe of their own (test/support/program.ts runs index.ts in the
 * test process, and reloads the program's modules on every run: a registry symbol survives that).
 */
export const LOCAL_PROBE_OVERRIDE = Symbol.for("bigbang-oci-dev/local-probe");

function isLocalProbe(value: unknown): value is LocalProbe {
    return typeof value === "object" && value !== null
        && typeof Reflect.get(value, "engine") === "function"
        && typeof Reflect.get(value, "startedAt") === "function"
        && typeof Reflect.get(value, "resolve") === "function";
}

/** The probe prepare uses: a test's, else the workstation's docker and resolver. */
export function workstationProbe(env: NodeJS.ProcessEnv = process.env): LocalProbe {
    const injected: unknown = Reflect.get(globalThis, LOCAL_PROBE_OVERRIDE);
    return isLocalProbe(injected) ? injected : dockerProbe(env);
}
