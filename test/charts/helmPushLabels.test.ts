// helm-push.sh's label check: after `helm package`, the chart is rendered at the
// version it is pushed as, and a label value Kubernetes would refuse stops the
// push with a message naming the chart, the template, the label and the fix.
// With a stub helm (canned `helm template` output), and with the real helm 3.17
// from the devDependency (test/support/kubeTools.ts), since it is the real
// template engine that puts `.Chart.Version` into the label.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { chartTar } from "../../components/charts/chartArchive";
import { contentVersion, readChartFiles } from "../../components/charts/chartSource";
import { kubeTool } from "../support/kubeTools";
import { runScriptFile } from "../support/scripts";

const SCRIPT = path.resolve(__dirname, "../../components/charts/scripts/helm-push.sh");
const TIMEOUT_MS = 30_000;

// A chart whose labels carry .Chart.Version as most charts' _helpers.tpl write them (`helm create`'s
// `helm.sh/chart` replaces '+'; `app.kubernetes.io/version` from the chart version does not).
const CHART: Record<string, string> = {
    "Chart.yaml": "apiVersion: v2\nname: podinfo\nversion: 6.5.0-bb.1\n",
    "values.yaml": "replicas: 1\n",
    "templates/deployment.yaml": [
        "apiVersion: apps/v1",
        "kind: Deployment",
        "metadata:",
        "  name: {{ .Release.Name }}",
        "  labels:",
        "    helm.sh/chart: {{ printf \"%s-%s\" .Chart.Name .Chart.Version | replace \"+\" \"_\" | trunc 63 | trimSuffix \"-\" }}",
        "    app.kubernetes.io/version: {{ .Chart.Version | quote }}",
        "spec:",
        "  replicas: {{ .Values.replicas }}",
        "  selector:",
        "    matchLabels:",
        "      app: podinfo",
        "  template:",
        "    metadata:",
        "      labels:",
        "        app: podinfo",
        "    spec:",
        "      containers:",
        "        - name: podinfo",
        "          image: podinfo",
        "",
    ].join("\n"),
};

describe("helm-push.sh: the label check before the push", function () {
    this.timeout(120_000);
    let tmp: string;
    let bin: string;
    let log: string;
    let archive: string;
    const hash = "ab".repeat(32);

    beforeEach(() => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bbod-labels-"));
        bin = path.join(tmp, "bin");
        log = path.join(tmp, "helm.log");
        fs.mkdirSync(bin);
        const chartDir = path.join(tmp, "podinfo");
        for (const [rel, text] of Object.entries(CHART)) {
            fs.mkdirSync(path.dirname(path.join(chartDir, rel)), { recursive: true });
            fs.writeFileSync(path.join(chartDir, rel), text);
        }
        archive = path.join(tmp, "podinfo.tar");
        fs.writeFileSync(archive, chartTar(readChartFiles(chartDir)));
    });
    afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

    /** A helm whose `package` and `template` are the real helm's, or canned; `push` and `registry` only log. */
    function writeHelm(opts: { real?: string; template?: string; templateFails?: boolean }): void {
        const packageCmd = opts.real
            ? `exec ${JSON.stringify(opts.real)} "$@"`
            : [
                "dir=$2; shift 2; version=\"\"; dest=\"\"",
                "while [ $# -gt 0 ]; do case \"$1\" in --version) version=$2; shift 2 ;; --destination) dest=$2; shift 2 ;; *) shift ;; esac; done",
                ": > \"$dest/podinfo-$version.tgz\"",
            ].join("\n    ");
        const templateCmd = opts.real
            ? `exec ${JSON.stringify(opts.real)} "$@"`
            : opts.templateFails
                ? "echo 'Error: execution error at (podinfo/templates/deployment.yaml:5:3): values.image is required' >&2; exit 1"
                : `cat ${JSON.stringify(path.join(tmp, "rendered.yaml"))}`;
        if (opts.template !== undefined) fs.writeFileSync(path.join(tmp, "rendered.yaml"), opts.template);
        fs.writeFileSync(path.join(bin, "helm"), [
            "#!/usr/bin/env bash",
            "set -euo pipefail",
            `log=${JSON.stringify(log)}`,
            "case \"$1\" in",
            `  package)\n    ${packageCmd} ;;`,
            `  template)\n    echo "template $2 $(basename "$3")" >> "$log"\n    ${templateCmd} ;;`,
            "  push) echo \"push $(basename \"$2\") $3\" >> \"$log\" ;;",
            "  registry) cat > /dev/null; echo login >> \"$log\" ;;",
            "  *) echo \"unexpected helm $*\" >&2; exit 2 ;;",
            "esac",
            "",
        ].join("\n"), { mode: 0o755 });
    }

    function push(version: string) {
        return runScriptFile(SCRIPT, [archive, version, "oci://oci.dev.bigbang.mil:5000", "oci.dev.bigbang.mil:5000", ""],
            { PATH: `${bin}:/usr/bin:/bin`, TMPDIR: tmp, HOME: tmp }, { timeoutMs: TIMEOUT_MS });
    }

    function logLines(): string[] {
        return fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : [];
    }

    describe("with a stub helm", () => {
        const buildVersion = contentVersion("6.5.0-bb.1", hash, "build");
        const rendered = (version: string) => [
            "---",
            "# Source: podinfo/templates/service.yaml",
            "apiVersion: v1",
            "kind: Service",
            "metadata:",
            "  name: podinfo",
            "  labels: {}",
            "---",
            "# Source: podinfo/templates/deployment.yaml",
            "apiVersion: apps/v1",
            "kind: Deployment",
            "metadata:",
            "  name: podinfo",
            "  labels:",
            "    # a comment line inside the block",
            `    helm.sh/chart: podinfo-${version.replace("+", "_")}`,
            `    "app.kubernetes.io/version": "${version}"`,
            "    empty: ''",
            "spec:",
            "  selector:",
            "    matchLabels:",
            "      app: podinfo",
            "  template:",
            "    metadata:",
            "      labels:",
            `        tier: '${"x".repeat(64)}'`,
            "    spec:",
            "      containers:",
            "        - name: podinfo",
            "          env:",
            "            - name: VERSION",
            `              value: ${version}`,
            "",
        ].join("\n");

        it("refuses the build version in a label: names the chart, template, label and the fix, and pushes nothing", async () => {
            writeHelm({ template: rendered(buildVersion) });
            const r = await push(buildVersion);
            assert.equal(r.code, 1, r.stderr);
            assert.match(r.stderr, new RegExp(`error: chart podinfo ${buildVersion.replace(/[.+]/g, "\\$&")}: podinfo/templates/deployment\\.yaml: label app\\.kubernetes\\.io/version: "${buildVersion.replace(/[.+]/g, "\\$&")}" is not a valid Kubernetes label value`));
            assert.match(r.stderr, /label tier: "x{64}" is not a valid Kubernetes label value/, "a value over 63 characters, in a Pod template's labels");
            assert.doesNotMatch(r.stderr, /helm\.sh\/chart|label empty|VERSION/, "valid values and non-label fields pass");
            assert.match(r.stderr, /fix: .*versionScheme: prerelease .*bigbang-oci-dev:charts .*bigbang-oci-dev:chartVersionScheme: prerelease/);
            assert.deepEqual(logLines(), [`template podinfo podinfo-${buildVersion}.tgz`]);
        });

        it("pushes a chart whose labels are all valid", async () => {
            const version = contentVersion("6.5.0-bb.1", hash, "prerelease");
            writeHelm({ template: rendered(version).replace(`'${"x".repeat(64)}'`, "web") });
            const r = await push(version);
            assert.equal(r.code, 0, r.stderr);
            assert.deepEqual(logLines(), [`template podinfo podinfo-${version}.tgz`, `push podinfo-${version}.tgz oci://oci.dev.bigbang.mil:5000`]);
        });

        it("a label that is wrong for another reason gets the generic fix", async () => {
            const version = contentVersion("6.5.0-bb.1", hash, "prerelease");
            writeHelm({ template: rendered(version) });
            const r = await push(version);
            assert.equal(r.code, 1);
            assert.match(r.stderr, /fix: correct the label in the chart's templates/);
        });

        it("a chart that does not render with its default values is pushed unchecked, with a warning", async () => {
            writeHelm({ templateFails: true });
            const r = await push(buildVersion);
            assert.equal(r.code, 0, r.stderr);
            assert.match(r.stderr, /warning: chart podinfo .*labels not checked: .*values\.image is required/);
            assert.deepEqual(logLines().slice(-1), [`push podinfo-${buildVersion}.tgz oci://oci.dev.bigbang.mil:5000`]);
        });
    });

    describe("with the real helm", () => {
        let helm = "";
        before(() => {
            // Unpacked from node_modules when bin/ lacks it: a missing helm fails the suite, it never skips it.
            helm = kubeTool("helm");
        });

        it("the build scheme's '+' in app.kubernetes.io/version is refused before the push", async () => {
            writeHelm({ real: helm });
            const version = contentVersion("6.5.0-bb.1", hash, "build");
            const r = await push(version);
            assert.equal(r.code, 1, r.stderr);
            assert.match(r.stderr, /podinfo\/templates\/deployment\.yaml: label app\.kubernetes\.io\/version: "6\.5\.0-bb\.1\+content\.abababababab"/);
            assert.doesNotMatch(r.stderr, /helm\.sh\/chart/, "the label that replaces '+' passes");
            assert.ok(!logLines().some((l) => l.startsWith("push")), "nothing is pushed");
        });

        it("the prerelease scheme's version passes and is pushed", async () => {
            writeHelm({ real: helm });
            const version = contentVersion("6.5.0-bb.1", hash, "prerelease");
            const r = await push(version);
            assert.equal(r.code, 0, r.stderr);
            assert.deepEqual(logLines().slice(-1), [`push podinfo-${version}.tgz oci://oci.dev.bigbang.mil:5000`]);
        });
    });
});
