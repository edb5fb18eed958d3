// Runs the real distribution 2.8 registry (Debian's docker-registry) on
// 127.0.0.1 with the settings registrySettings() gives the container, so the
// integration test exercises the deployed TLS and auth configuration.
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { stringify as stringifyYaml } from "yaml";
import { RegistrySettings, registrySettings } from "../../components/registry/registrySettings";
import { createOciClient } from "./ociClient";

/** `docker-registry` on PATH (Debian puts it in /usr/bin; other installs elsewhere), or undefined. */
export function findOnPath(command: string, searchPath: string = process.env.PATH ?? ""): string | undefined {
    for (const dir of searchPath.split(path.delimiter)) {
        if (!dir) continue;
        const candidate = path.join(dir, command);
        try {
            fs.accessSync(candidate, fs.constants.X_OK);
            if (fs.statSync(candidate).isFile()) return candidate;
        } catch {
            // not here; keep looking
        }
    }
    return undefined;
}

export const DOCKER_REGISTRY_BINARY = findOnPath("docker-registry") ?? "docker-registry";
export const REGISTRY_TEST_HOSTNAME = "oci.dev.bigbang.mil";
const LISTEN_HOST = "127.0.0.1";
const MAX_LOG_CHARS = 256 * 1024;
const MAX_PORT_ATTEMPTS = 3;
const POLL_INTERVAL_MS = 100;

export interface StartRegistryOptions {
    authEnabled: boolean;
    /** htpasswd file content; required when auth is on (the registry would otherwise invent a user). */
    htpasswd?: string;
    tls: { certFile: string; keyFile: string; caPem: string };
    hostname?: string;
    binary?: string;
    readyTimeoutMs?: number;
    stopTimeoutMs?: number;
}

export interface RunningRegistry {
    hostname: string;
    port: number;
    settings: RegistrySettings;
    caPem: string;
    /** Everything the registry printed so far (bounded), for failure messages. */
    logs(): string;
    /** SIGTERM, then SIGKILL after a bound; removes the temp folder. Safe to call more than once. */
    stop(): Promise<void>;
}

/** A port on the loopback address nothing listens on right now. */
export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.unref();
        server.once("error", reject);
        server.listen(0, LISTEN_HOST, () => {
            const address = server.address();
            if (address === null || typeof address === "string") {
                server.close();
                reject(new Error("could not read the port of a probe socket"));
                return;
            }
            server.close(() => resolve(address.port));
        });
    });
}

export function delay(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
    if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
    return new Promise((resolve) => {
        const timer = setTimeout(() => {
            child.off("exit", onExit);
            resolve(false);
        }, timeoutMs);
        const onExit = (): void => {
            clearTimeout(timer);
            resolve(true);
        };
        child.once("exit", onExit);
    });
}

class AddressInUseError extends Error {}

async function startOnce(options: StartRegistryOptions, workDir: string, port: number): Promise<RunningRegistry> {
    const binary = options.binary ?? DOCKER_REGISTRY_BINARY;
    const hostname = options.hostname ?? REGISTRY_TEST_HOSTNAME;
    const readyTimeoutMs = options.readyTimeoutMs ?? 15_000;
    const stopTimeoutMs = options.stopTimeoutMs ?? 5_000;

    const dataDir = path.join(workDir, `data-${port}`);
    fs.mkdirSync(dataDir, { recursive: true });
    const htpasswdFile = path.join(workDir, "htpasswd");
    const settings = registrySettings({
        hostname,
        port,
        authEnabled: options.authEnabled,
        paths: { certificate: options.tls.certFile, key: options.tls.keyFile, htpasswd: htpasswdFile, data: dataDir },
        listenHost: LISTEN_HOST,
    });
    const configFile = path.join(workDir, `config-${port}.yml`);
    fs.writeFileSync(configFile, stringifyYaml(settings.baseConfig));

    let output = "";
    const append = (chunk: Buffer): void => {
        output = (output + chunk.toString("utf8")).slice(-MAX_LOG_CHARS);
    };
    // Only PATH and HOME from outside: a stray REGISTRY_* variable must not change what is tested.
    const env: Record<string, string> = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: workDir, ...settings.env };
    const child = spawn(binary, ["serve", configFile], { env, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout?.on("data", append);
    child.stderr?.on("data", append);

    let spawnError: NodeJS.ErrnoException | undefined;
    child.once("error", (err: NodeJS.ErrnoException) => {
        spawnError = err;
    });
    // mocha runs with --exit; make sure an interrupted run does not leave the registry behind.
    const killOnExit = (): void => {
        child.kill("SIGKILL");
    };
    process.once("exit", killOnExit);

    let stopped: Promise<void> | undefined;
    const stop = (): Promise<void> => {
        stopped ??= (async () => {
            if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
                child.kill("SIGTERM");
                if (!(await waitForExit(child, stopTimeoutMs))) {
                    child.kill("SIGKILL");
                    if (!(await waitForExit(child, 2_000))) {
                        console.error(`docker-registry pid ${child.pid} did not exit after SIGKILL`);
                    }
                }
            }
            process.off("exit", killOnExit);
            fs.rmSync(dataDir, { recursive: true, force: true });
        })();
        return stopped;
    };

    const running: RunningRegistry = { hostname, port, settings, caPem: options.tls.caPem, logs: () => output, stop };
    const probe = createOciClient({ hostname, port, caPem: options.tls.caPem, timeoutMs: 2_000 });
    const deadline = Date.now() + readyTimeoutMs;
    let lastProbeError = "no attempt yet";
    try {
        for (;;) {
            if (spawnError) {
                throw new Error(spawnError.code === "ENOENT"
                    ? `${binary} not found: install Debian's docker-registry package (distribution 2.8) to run the registry integration test`
                    : `could not start ${binary}: ${spawnError.message}`);
            }
            if (child.exitCode !== null || child.signalCode !== null) {
                if (/address already in use/i.test(output)) {
                    throw new AddressInUseError(`port ${port} was taken`);
                }
                throw new Error(`${binary} exited (code ${child.exitCode}, signal ${child.signalCode}) before answering on ${LISTEN_HOST}:${port}.\n--- registry log ---\n${output}`);
            }
            try {
                // Any HTTP answer means it is serving; whether it is the right one is the tests' business.
                await probe.ping();
                return running;
            } catch (err) {
                lastProbeError = err instanceof Error ? err.message : String(err);
            }
            if (Date.now() >= deadline) {
                throw new Error(`${binary} did not answer https://${hostname}:${port}/v2/ within ${readyTimeoutMs} ms (last error: ${lastProbeError}).\n--- registry log ---\n${output}`);
            }
            await delay(POLL_INTERVAL_MS);
        }
    } catch (err) {
        await stop();
        throw err;
    }
}

/** Starts a registry on a free 127.0.0.1 port and waits until `/v2/` answers over verified TLS. */
export async function startRegistry(options: StartRegistryOptions): Promise<RunningRegistry> {
    if (options.authEnabled && options.htpasswd === undefined) {
        throw new Error("startRegistry: authEnabled needs htpasswd content");
    }
    const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "bbod-registry-"));
    if (options.htpasswd !== undefined) {
        fs.writeFileSync(path.join(workDir, "htpasswd"), options.htpasswd, { mode: 0o600 });
    }
    const removeWorkDir = (): void => fs.rmSync(workDir, { recursive: true, force: true });
    try {
        for (let attempt = 1; ; attempt++) {
            try {
                const running = await startOnce(options, workDir, await freePort());
                return {
                    ...running,
                    stop: async () => {
                        await running.stop();
                        removeWorkDir();
                    },
                };
            } catch (err) {
                // Another process can grab the probed port before the registry binds it.
                if (!(err instanceof AddressInUseError) || attempt >= MAX_PORT_ATTEMPTS) throw err;
            }
        }
    } catch (err) {
        removeWorkDir();
        throw err;
    }
}
