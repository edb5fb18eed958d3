// What a second `pulumi up` costs after each config edit, after the instance
// was replaced outside Pulumi, and with the host stopped; and what a destroy
// asks of the host. Every row of test/lifecycle/rows.ts is checked against the
// program on this branch, and the README's tables are checked against the rows.
//
// The rows run here on spot, the default market, and on-demand in lifecycle.onDemand.test.ts
// (test/lifecycle/harness.ts has the fixtures and the row cases).
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { ProgramRun, runProgram, sharedRun } from "../support/program";
import { classify, destroyDeleteCalls, replacementId } from "../support/lifecycle";
import { BIGBANG, LIFECYCLE_ROWS, SSH } from "./rows";
import { configOf, diffOf, Fixtures, hostAndEverythingOnIt, lifecycleFixtures, ON_HOST_TYPE, ROOT, rowCases } from "./harness";

/** The README's on-demand column where an on-demand host costs the same as a spot one. */
const ON_DEMAND_SAME = "Same.";

/** README table rows under a heading, as arrays of cell texts. */
function readmeTable(heading: string): string[][] {
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    const start = readme.indexOf(`\n${heading}\n`);
    assert.ok(start >= 0, `README has no "${heading}" section`);
    const section = readme.slice(start + heading.length + 2);
    const end = section.search(/\n#{1,3} /);
    return (end >= 0 ? section.slice(0, end) : section).split("\n")
        .filter((l) => l.startsWith("| ") && !l.startsWith("| ---"))
        .slice(1)
        .map((l) => l.slice(2, -2).split(" | ").map((c) => c.trim()));
}

describe("lifecycle: what a second pulumi up costs", function () {
    this.timeout(300_000);
    const fixtures = lifecycleFixtures();
    let fx: Fixtures;
    before(() => { fx = fixtures(); });

    // LIFECYCLE_DUMP=1 prints what every row does now, to update rows.ts after a change to the program.
    if (process.env.LIFECYCLE_DUMP) {
        it("dumps every row", async () => {
            for (const row of LIFECYCLE_ROWS.filter((r) => !process.env.LIFECYCLE_ONLY || r.key.includes(process.env.LIFECYCLE_ONLY))) {
                try {
                    const market = (process.env.LIFECYCLE_DUMP === "on-demand" ? "on-demand" : "spot");
                    const diff = await diffOf(fx, row, market);
                    const host = hostAndEverythingOnIt(diff);
                    const rep = diff.names("replace");
                    const isHost = host.every((n) => rep.includes(n));
                    process.stdout.write(`${row.key}\n  replace: ${isHost ? `HOST + ${rep.filter((n) => !host.includes(n)).join(" ")}` : rep.join(" ")}\n  update: ${diff.names("update").map((n) => `${n}(${diff.byName.get(n)?.changedInputs.join(",")})`).join(" ")}\n  create: ${diff.names("create").join(" ")}\n  delete: ${diff.names("delete").join(" ")}\n`);
                } catch (err) {
                    process.stdout.write(`${row.key}: ERROR ${err instanceof Error ? err.message : String(err)}\n`);
                }
            }
        });
        return;
    }

    const plain = (cell: string) => cell.replace(/`/g, "");
    const SCENARIOS = [
        "instance replaced outside Pulumi", "host started again", "AWS offers the type in another zone", "host stopped", "host replacement with host.cacheVolumeGiB", "cluster recreate with host.cacheVolumeGiB",
        "host.backend: aws to local", "host.backend: local to aws",
        // The ssh backend (issue 20): its keys are in their own README table (Configuration, host backends).
        "host.backend aws → ssh", "host.backend ssh → aws", "host.ssh.address", "ssh machine rebooted",
    ];

    it("has a row for every key of the README configuration table, and no other", () => {
        const keys = readmeTable("## Configuration").map((cells) => plain(cells[0]));
        assert.deepEqual(LIFECYCLE_ROWS.map((r) => r.key).filter((k) => !SCENARIOS.includes(k)), keys);
        for (const s of SCENARIOS) assert.ok(LIFECYCLE_ROWS.some((r) => r.key === s), s);
    });

    it("is the README's \"What a change costs\" table (spot, the default, with an on-demand column)", () => {
        const table = readmeTable("### What a change costs").map((cells) => [plain(cells[0]), cells[1], cells[2]]);
        assert.deepEqual(table, LIFECYCLE_ROWS.map((r) => [r.key, r.cost, r.onDemand?.cost ?? ON_DEMAND_SAME]));
    });

    it("destroy calls no provider that needs the host, whatever state the host is in", async () => {
        for (const edits of [{}, { "registry.auth.enabled": true }, { "host.usePrivateIp": true }, { "registry.tls": "<files>" }, BIGBANG]) {
            const run = await sharedRun(configOf(fx, edits), { cwd: fx.dir });
            const calls = destroyDeleteCalls(run);
            assert.deepEqual(calls.filter((name) => ON_HOST_TYPE.test(run.resources.find((r) => r.custom && r.name === name)?.type ?? "")), []);
            assert.ok(calls.includes("instance"), "terminating the instance is what removes everything on it");
        }
    });

    it("ssh: destroy runs every delete on the machine (the program does not own it), the uninstall after everything that needs the tools", async () => {
        const run = await sharedRun(configOf(fx, SSH), { cwd: fx.dir });
        const calls = destroyDeleteCalls(run);
        for (const name of ["k3d-cluster", "registry", "registry-data", "cluster-network", "etc-hosts", "staging-dir", "host-setup"]) assert.ok(calls.includes(name), name);
        const setup = run.one("command:remote:Command", "host-setup");
        for (const r of [...run.all("command:remote:Command"), ...run.all("command:remote:CopyToRemote")].filter((x) => x !== setup)) {
            assert.ok(run.dependsOnTransitively(r, setup), `${r.name} is deleted after the uninstall removed the tools`);
        }
    });

    it("ssh: a switch from aws dials nothing on the EC2 host; a switch back or another address cleans the old machine", async () => {
        const toSsh = await diffOf(fx, { key: "", after: SSH, expect: {}, cost: "" });
        for (const c of toSsh.byName.values()) {
            if (c.change === "replace" && ON_HOST_TYPE.test(c.type)) assert.equal(c.deleteCallsProvider, false, `${c.name}: the old one goes with the instance`);
        }
        for (const after of [{}, { ...SSH, "host.ssh.address": "192.0.2.11" }]) {
            const away = await diffOf(fx, { key: "", before: SSH, after, expect: {}, cost: "" });
            for (const name of ["k3d-cluster", "registry", "registry-data", "etc-hosts", "host-setup"]) {
                assert.equal(away.byName.get(name)?.deleteCallsProvider, true, `${name}: the old machine's delete runs`);
            }
        }
    });

    it("removing one thing while the host stays still runs its delete on the host", async () => {
        const dropChart = await diffOf(fx, { key: "", after: { charts: [] }, expect: {}, cost: "" });
        for (const name of ["chart-kiali-copy", "chart-kiali-push", "staging-dir"]) {
            assert.equal(dropChart.byName.get(name)?.deleteCallsProvider, true, name);
        }
        const newImage = await diffOf(fx, { key: "", after: { "registry.image": "registry:2.8.3" }, expect: {}, cost: "" });
        assert.equal(newImage.byName.get("registry")?.change, "replace");
        assert.equal(newImage.byName.get("registry")?.deleteCallsProvider, true, "the old container is removed from the host");
        const external = await diffOf(fx, {
            key: "", after: {
                "registry.target": "external", "registry.url": "oci://harbor.dev.bigbang.mil/library", "registry.username": "robot", "registry.password": "token", "registry.tls": undefined,
            }, expect: {}, cost: "",
        });
        for (const name of ["registry", "registry-data", "etc-hosts"]) assert.equal(external.byName.get(name)?.deleteCallsProvider, true, name);
        // The cluster is created again (delete-before-replace) in the same run that removes RegistryDns: the removed objects
        // go with the old cluster instead of being deleted through the old provider, whose kubeconfig now reaches the new
        // cluster (new CA: pulumi-kubernetes would find it unreachable and fail the Delete). The engine marks the replaced
        // k3d-cluster in sg.deletes when it plans the replacement (3.260.0+, step_generator.go, pulumi/pulumi#23818), and
        // each removed object's DeleteStep then skips its provider Delete (step.go isDeletedWith).
        assert.equal(external.byName.get("k3d-cluster")?.change, "replace");
        for (const name of ["coredns-custom-entry", "coredns-restart", "local-registry-hosting"]) {
            assert.equal(external.byName.get(name)?.change, "delete", name);
            assert.equal(external.byName.get(name)?.deleteCallsProvider, false, `${name} is not deleted through the old cluster's provider`);
        }
    });

    it("the inner loop with Big Bang on: an edit on disk reaches the cluster, and only what it needs runs again", async () => {
        // Its own chart, checkout and values file, edited between two runs with the same config.
        const loop = path.join(fx.dir, "loop");
        fs.mkdirSync(path.join(loop, "kiali", "templates"), { recursive: true });
        fs.writeFileSync(path.join(loop, "kiali", "Chart.yaml"), "apiVersion: v2\nname: kiali\nversion: 1.2.3-bb.4\n");
        const template = path.join(loop, "kiali", "templates", "cm.yaml");
        fs.writeFileSync(template, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n");
        const checkout = path.join(loop, "bigbang");
        fs.cpSync(path.join(ROOT, "test", "fixtures", "bigbang-checkout"), checkout, { recursive: true });
        const valuesFile = path.join(loop, "my-values.yaml");
        fs.writeFileSync(valuesFile, "kiali:\n  values:\n    replicas: 1\n");
        const config = configOf(fx, { ...BIGBANG, charts: [{ path: "loop/kiali" }], "bigbang.source.path": checkout, "bigbang.valuesFiles": [valuesFile] });
        const run = (): Promise<ProgramRun> => runProgram(config, { cwd: fx.dir, idOf: replacementId });
        const release = (r: ProgramRun) => r.one("kubernetes:helm.sh/v3:Release", "bigbang");

        const first = await run();
        const unchanged = classify(first, await run());
        assert.deepEqual([...unchanged.byName.values()].filter((c) => c.change !== "same").map((c) => c.name), [], "a no-op pulumi up changes nothing");

        // The developer's chart: pushed again under a new version, which the release's values name.
        fs.appendFileSync(template, "data:\n  edited: \"yes\"\n");
        const chartEdited = await run();
        const chartEdit = classify(first, chartEdited);
        assert.deepEqual(chartEdit.names("replace"), ["chart-kiali-copy", "chart-kiali-push", "helmreleases-ready"]);
        assert.deepEqual(chartEdit.names("update"), ["bigbang"]);
        assert.deepEqual(chartEdit.byName.get("bigbang")?.changedInputs, ["values"], "an in-place helm upgrade with the new version");
        assert.deepEqual([...chartEdit.names("create"), ...chartEdit.names("delete")], []);
        assert.notEqual(JSON.stringify(release(chartEdited).inputs.values), JSON.stringify(release(first).inputs.values));
        // The wait runs again because the release has a new revision (the mock's revision follows the release's inputs).
        const triggers = (r: ProgramRun) => JSON.stringify(r.one("command:remote:Command", "helmreleases-ready").inputs.triggers);
        assert.notEqual(triggers(chartEdited), triggers(first));

        // Big Bang's own chart in the checkout: the provider does not diff a local chart's files, the description's content hash does.
        fs.appendFileSync(path.join(checkout, "chart", "templates", "NOTES.txt"), "\nedited\n");
        const bigbangEdit = classify(chartEdited, await run());
        assert.deepEqual(bigbangEdit.names("replace"), ["helmreleases-ready"]);
        assert.deepEqual(bigbangEdit.names("update"), ["bigbang"]);
        assert.deepEqual(bigbangEdit.byName.get("bigbang")?.changedInputs, ["description"]);

        // A values file's content, read at every run.
        const beforeValues = await run();
        fs.writeFileSync(valuesFile, "kiali:\n  values:\n    replicas: 2\n");
        const valuesEdit = classify(beforeValues, await run());
        assert.deepEqual(valuesEdit.names("replace"), ["helmreleases-ready"]);
        assert.deepEqual(valuesEdit.names("update"), ["bigbang"]);
        assert.deepEqual(valuesEdit.byName.get("bigbang")?.changedInputs, ["values"]);
    });

    rowCases("spot", fixtures);
});
