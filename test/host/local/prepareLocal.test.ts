// prepare() with host.backend local: the workstation's checks (through an
// injected probe), no AWS question, and the prepared host the factory builds.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { prepare } from "../../../components/prepare";
import { ConfigError } from "../../../components/config/config";
import { LOCAL_PROBE_OVERRIDE, LocalProbe } from "../../../components/host/local/localProbe";

const P = "bigbang-oci-dev:";
const json = (v: unknown): string => JSON.stringify(v);
// An external registry: no certificate to load, so nothing leaves the machine.
const EXTERNAL = { [`${P}registry`]: json({ target: "external", url: "oci://harbor.example.com/library", username: "robot", password: "token" }) };

function probe(engine: Awaited<ReturnType<LocalProbe["engine"]>>): LocalProbe {
    return { engine: () => Promise.resolve(engine), startedAt: (names) => Promise.resolve(names.map(() => "")), resolve: () => Promise.resolve([]) };
}

describe("prepare: host.backend local", () => {
    let tmp: string;
    before(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bbod-local-prepare-")); });
    after(() => {
        fs.rmSync(tmp, { recursive: true, force: true });
        Reflect.deleteProperty(globalThis, LOCAL_PROBE_OVERRIDE);
    });
    const lookupPlacement = () => Promise.reject(new Error("AWS was asked"));
    const opts = () => ({ projectDir: tmp, env: {}, lookupPlacement, ipCheckUrl: "http://127.0.0.1:9/unused", isConfigSecret: () => true });

    it("checks the workstation's engine instead of AWS, and hands the factory its facts", async () => {
        Reflect.set(globalThis, LOCAL_PROBE_OVERRIDE, probe({ serverVersion: "27.3.1", id: "ENGINE:ONE", memTotal: 32e9 }));
        const prepared = await prepare({ [`${P}host`]: json({ backend: "local" }), ...EXTERNAL }, opts());
        assert.deepEqual(prepared.host, { backend: "local", facts: { engineId: "ENGINE:ONE", lastStart: "not started", helmContainer: undefined } });
    });

    it("refuses no engine together with the other sections' problems, before any resource", async () => {
        Reflect.set(globalThis, LOCAL_PROBE_OVERRIDE, probe(new Error("Cannot connect to the Docker daemon")));
        const config = { [`${P}host`]: json({ backend: "local" }), ...EXTERNAL, [`${P}cluster`]: json({ apiPort: "abc" }) };
        await assert.rejects(prepare(config, opts()), (err: unknown) => {
            assert.ok(err instanceof ConfigError, String(err));
            assert.equal(err.problems.length, 2, err.problems.join("\n"));
            assert.match(err.problems[0], /^bigbang-oci-dev:cluster\.apiPort: /);
            assert.match(err.problems[1], /^bigbang-oci-dev:host\.backend: local needs a running Docker Engine, and `docker version` found none at the default socket \(DOCKER_HOST is not set\) \(Cannot connect to the Docker daemon\); start Docker/);
            return true;
        });
    });

    it("checks a host section with problems no further (they are reported, the engine is not asked)", async () => {
        let asked = false;
        Reflect.set(globalThis, LOCAL_PROBE_OVERRIDE, { ...probe(new Error("unused")), engine: () => { asked = true; return Promise.resolve(new Error("x")); } });
        await assert.rejects(prepare({ [`${P}host`]: json({ backend: "local", instanceType: "t3.large" }), ...EXTERNAL }, opts()), (err: unknown) => {
            assert.ok(err instanceof ConfigError, String(err));
            assert.deepEqual(err.problems, [`${P}host.instanceType: not used with host.backend local, got "t3.large"`]);
            return true;
        });
        assert.equal(asked, false);
    });
});
