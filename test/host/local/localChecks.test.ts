// The `local` backend's refusals and warnings in prepare, against a stub `docker`
// on PATH (the real probe, dockerProbe, runs it), and its pure planners.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { checkLocalWorkstation, dockerProbe, LocalCheckInput, LocalProbe } from "../../../components/host/local/localProbe";
import {
    engineVersionProblem, localCommandPrefix, localPaths, memoryEstimate, memoryProblem, registryHostsLine, registryResolutionWarning,
} from "../../../components/host/local/localPlan";
import { K3D_MIN_DOCKER_VERSION } from "../../../components/config/pins";

const HOSTNAME = "oci.dev.bigbang.mil";

interface StubEngine {
    /** Server version; undefined: no engine answers. */
    version?: string;
    memTotal?: number;
    id?: string;
    /** StartedAt of containers by name. */
    started?: Record<string, string>;
}

/** A `docker` that answers version, info and inspect as an engine would (or as none does). */
function stubDocker(dir: string, engine: StubEngine): NodeJS.ProcessEnv {
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin, { recursive: true });
    const info = JSON.stringify({ ID: engine.id ?? "ENGINE:ONE", MemTotal: engine.memTotal ?? 64e9, ServerVersion: engine.version });
    const started = Object.entries(engine.started ?? {}).map(([name, at]) => `    ${name}) echo ${at}; exit 0 ;;`).join("\n");
    const script = engine.version === undefined
        ? `#!/bin/sh
echo "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?" >&2
exit 1
`
        : `#!/bin/sh
case "$1" in
  version) echo '${engine.version}' ;;
  info) echo '${info}' ;;
  inspect)
    for last; do :; done
    case "$last" in
${started}
    esac
    echo "Error: No such container: $last" >&2; exit 1 ;;
  *) echo "unexpected: $*" >&2; exit 3 ;;
esac
`;
    fs.writeFileSync(path.join(bin, "docker"), script, { mode: 0o755 });
    return { PATH: `${bin}:/usr/bin:/bin` };
}

function input(env: NodeJS.ProcessEnv, extra: Partial<LocalCheckInput> = {}): LocalCheckInput {
    return {
        platform: "linux",
        registryHostname: HOSTNAME,
        network: "k3d-network",
        helmImage: "alpine/helm:3.18.6@sha256:abc",
        startContainers: ["bigbang-oci-dev-registry", "k3d-dev-server-0"],
        env,
        ...extra,
    };
}

/** The real probe against the stub, with name resolution given (no DNS in tests). */
function probe(env: NodeJS.ProcessEnv, resolved: string[] = ["127.0.0.1"]): LocalProbe {
    return { ...dockerProbe(env), resolve: () => Promise.resolve(resolved) };
}

describe("local backend: prepare's checks against a stub docker", () => {
    let dir: string;
    beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), "local-checks-")); });
    afterEach(() => { fs.rmSync(dir, { recursive: true, force: true }); });

    it("passes a recent engine with enough memory, and reads its ID and the containers' starts", async () => {
        const env = stubDocker(dir, { version: "27.3.1", id: "ABCD:EFGH", started: { "k3d-dev-server-0": "2026-12-03T08:00:00Z" } });
        const result = await checkLocalWorkstation(input(env), probe(env));
        assert.deepEqual(result.problems, []);
        assert.deepEqual(result.warnings, []);
        assert.deepEqual(result.facts, { engineId: "ABCD:EFGH", lastStart: "bigbang-oci-dev-registry=none k3d-dev-server-0=2026-12-03T08:00:00Z", helmContainer: undefined });
    });

    it("no containers yet: a constant start, so two runs before the first create agree", async () => {
        const env = stubDocker(dir, { version: "27.3.1" });
        const result = await checkLocalWorkstation(input(env), probe(env));
        assert.equal(result.facts?.lastStart, "not started");
    });

    it("refuses when no engine answers, saying how to start one or set DOCKER_HOST", async () => {
        const env = stubDocker(dir, {});
        const result = await checkLocalWorkstation(input(env), probe(env));
        assert.equal(result.problems.length, 1);
        assert.match(result.problems[0], /^bigbang-oci-dev:host\.backend: local needs a running Docker Engine/);
        assert.match(result.problems[0], /Cannot connect to the Docker daemon/);
        assert.match(result.problems[0], /the default socket \(DOCKER_HOST is not set\)/);
        assert.match(result.problems[0], /start Docker .* or set DOCKER_HOST/);
        assert.equal(result.facts, undefined);
        const elsewhere = await checkLocalWorkstation(input({ ...env, DOCKER_HOST: "unix:///run/user/1000/docker.sock" }), probe(env));
        assert.match(elsewhere.problems[0], /at DOCKER_HOST=unix:\/\/\/run\/user\/1000\/docker\.sock/);
    });

    it(`refuses an engine older than k3d's minimum (${K3D_MIN_DOCKER_VERSION})`, async () => {
        const env = stubDocker(dir, { version: "20.10.4" });
        const result = await checkLocalWorkstation(input(env), probe(env));
        assert.deepEqual(result.problems, [
            `bigbang-oci-dev:host.backend: local: the Docker Engine is 20.10.4, older than the ${K3D_MIN_DOCKER_VERSION} k3d needs (k3d's docs/faq/compatibility.md); upgrade Docker, or point DOCKER_HOST at a newer engine`,
        ]);
    });

    it("refuses too little memory for a cluster alone, and for the chosen Big Bang packages", async () => {
        const small = stubDocker(dir, { version: "27.3.1", memTotal: 1.5e9 });
        const alone = await checkLocalWorkstation(input(small), probe(small));
        assert.equal(alone.problems.length, 1);
        assert.match(alone.problems[0], /^bigbang-oci-dev:host\.backend: the local Docker Engine has 1\.5 GB of memory \(docker info MemTotal\), less than the 2\.0 GB estimated for a k3d cluster without Big Bang/);

        const laptop = stubDocker(dir, { version: "27.3.1", memTotal: 16.6e9 });
        const bigbang = { enabled: ["istio", "kyverno", "monitoring", "addons.gitlab"], defaults: ["istio", "kyverno", "monitoring"] };
        const result = await checkLocalWorkstation(input(laptop, { bigbang }), probe(laptop));
        assert.equal(result.problems.length, 1);
        assert.match(result.problems[0], /^bigbang-oci-dev:bigbang\.packages: the local Docker Engine has 16\.6 GB .* less than the 18\.0 GB estimated for Big Bang \(16 GB for its default packages, per Big Bang's prerequisites\) and 1 more package at 2 GB each \(addons\.gitlab\)/);
        const defaultsOnly = await checkLocalWorkstation(input(laptop, { bigbang: { enabled: bigbang.defaults, defaults: bigbang.defaults } }), probe(laptop));
        assert.deepEqual(defaultsOnly.problems, []);
    });

    it("refuses a DOCKER_HOST on another machine (that is what host.backend ssh is for)", async () => {
        const env = stubDocker(dir, { version: "27.3.1" });
        for (const remote of ["ssh://dev@lab-vm", "tcp://10.0.0.9:2376", "tcp://[2001:db8::1]:2376", "ssh://localhost"]) {
            const result = await checkLocalWorkstation(input({ ...env, DOCKER_HOST: remote }), probe(env));
            assert.equal(result.problems.length, 1, remote);
            assert.match(result.problems[0], /^bigbang-oci-dev:host\.backend: local needs a Docker Engine on this workstation, but DOCKER_HOST=.* use host\.backend ssh/);
        }
        for (const here of ["unix:///var/run/docker.sock", "tcp://127.0.0.1:2375", "tcp://localhost:2375", "npipe:////./pipe/docker_engine"]) {
            const result = await checkLocalWorkstation(input({ ...env, DOCKER_HOST: here }), probe(env));
            assert.deepEqual(result.problems, [], here);
        }
    });

    it("reports every refusal at once", async () => {
        const env = stubDocker(dir, { version: "19.03.15", memTotal: 1e9 });
        const result = await checkLocalWorkstation(input(env, { platform: "win32" }), probe(env));
        assert.equal(result.problems.length, 3);
        assert.match(result.problems[0], /not on win32/);
        assert.match(result.problems[1], /19\.03\.15, older than/);
        assert.match(result.problems[2], /1\.0 GB of memory/);
    });

    it("warns with the one hosts line when the registry's name does not resolve to 127.0.0.1, and pushes through the Helm container", async () => {
        const env = stubDocker(dir, { version: "27.3.1" });
        const unresolved = await checkLocalWorkstation(input(env), probe(env, []));
        assert.deepEqual(unresolved.problems, []);
        assert.equal(unresolved.warnings.length, 1);
        assert.match(unresolved.warnings[0], /^bigbang-oci-dev:registry\.hostname: oci\.dev\.bigbang\.mil does not resolve on this workstation/);
        assert.ok(unresolved.warnings[0].endsWith(": 127.0.0.1 oci.dev.bigbang.mil"), unresolved.warnings[0]);
        assert.deepEqual(unresolved.facts?.helmContainer, { image: "alpine/helm:3.18.6@sha256:abc", network: "k3d-network" });

        const elsewhere = await checkLocalWorkstation(input(env), probe(env, ["203.0.113.9"]));
        assert.match(elsewhere.warnings[0], /resolves to 203\.0\.113\.9 on this workstation, not to 127\.0\.0\.1/);

        const resolved = await checkLocalWorkstation(input(env), probe(env, ["127.0.0.1", "::1"]));
        assert.deepEqual(resolved.warnings, []);
        assert.equal(resolved.facts?.helmContainer, undefined);

        const external = await checkLocalWorkstation(input(env, { registryHostname: undefined }), probe(env, []));
        assert.deepEqual(external.warnings, []);
        assert.equal(external.facts?.helmContainer, undefined);
    });
});

describe("local backend: planners", () => {
    it("keeps the program's files under ~/.bigbang-oci-dev/<stack>, and refuses a stack name that escapes it", () => {
        const paths = localPaths("/home/jdoe", "dev");
        assert.deepEqual(paths, {
            workDir: "/home/jdoe/.bigbang-oci-dev/dev",
            binDir: "/home/jdoe/.bigbang-oci-dev/dev/bin",
            kubeconfig: "/home/jdoe/.bigbang-oci-dev/dev/kubeconfig",
            helmShimDir: "/home/jdoe/.bigbang-oci-dev/dev/helm-container",
        });
        assert.throws(() => localPaths("/home/jdoe", ".."), /cannot name a folder/);
        assert.throws(() => localPaths("/home/jdoe", "a/b"), /cannot name a folder/);
        assert.throws(() => localPaths("home", "dev"), /not absolute/);
    });

    it("puts the tools first on PATH and the program's kubeconfig in every command, the Helm container's settings when pushes need it", () => {
        const paths = localPaths("/home/jdoe", "dev");
        assert.equal(localCommandPrefix(paths),
            `PATH=/home/jdoe/.bigbang-oci-dev/dev/bin:"$PATH" KUBECONFIG=/home/jdoe/.bigbang-oci-dev/dev/kubeconfig; export PATH KUBECONFIG; `);
        assert.equal(localCommandPrefix(paths, { image: "alpine/helm:3.18.6@sha256:abc", network: "k3d-network" }),
            `PATH=/home/jdoe/.bigbang-oci-dev/dev/helm-container:/home/jdoe/.bigbang-oci-dev/dev/bin:"$PATH" KUBECONFIG=/home/jdoe/.bigbang-oci-dev/dev/kubeconfig `
            + `BBOD_HELM_IMAGE=alpine/helm:3.18.6@sha256:abc BBOD_HELM_NETWORK=k3d-network; export PATH KUBECONFIG BBOD_HELM_IMAGE BBOD_HELM_NETWORK; `);
    });

    it("compares engine versions as k3d's minimum needs", () => {
        for (const ok of ["20.10.5", "20.10.24", "24.0.7", "27.3.1", "28.0.0-rc.1", "26.1.5+dfsg1", "v25.0.0"]) assert.equal(engineVersionProblem(ok), undefined, ok);
        for (const old of ["20.10.4", "20.10.0", "19.03.15", "1.13.1"]) assert.match(engineVersionProblem(old) ?? "", /older than/, old);
        assert.match(engineVersionProblem("dev") ?? "", /cannot read the Docker Engine's version/);
    });

    it("estimates memory from the packages", () => {
        assert.equal(memoryEstimate(undefined).bytes, 2e9);
        assert.equal(memoryEstimate({ enabled: ["a", "b"], defaults: ["a", "b", "c"] }).bytes, 16e9);
        assert.equal(memoryEstimate({ enabled: ["a", "x", "packages.y"], defaults: ["a"] }).bytes, 20e9);
        assert.equal(memoryProblem(2e9, undefined), undefined);
    });

    it("says the one hosts line", () => {
        assert.equal(registryHostsLine(HOSTNAME), "127.0.0.1 oci.dev.bigbang.mil");
        assert.equal(registryResolutionWarning(HOSTNAME, ["127.0.0.1"]), undefined);
    });
});
