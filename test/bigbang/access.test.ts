import { strict as assert } from "assert";
import {
    PASSTHROUGH_SUBDOMAINS, PUBLIC_SUBDOMAINS, bigbangStatusCommands, etcHostsLines, hostIngressNames, ingressHostnames, socksCommand, sshuttleCommand,
} from "../../components/bigbang/access";
import { ingressAddresses } from "../../components/bigbang/metallbPlan";

// Big Bang's docs/reference/scripts/developer/k3d-dev.sh at commit 1699eff40:
// PUBLIC_SUBDOMAINS l.26-52 and PASSTHROUGH_SUBDOMAINS l.53-56, in order.
const SCRIPT_PUBLIC = [
    "alertmanager", "anchore-api", "anchore", "argocd", "chat", "fortify", "gitlab", "grafana", "harbor", "headlamp", "kiali", "kibana", "loki",
    "minio-api", "minio", "neuvector", "policyreporter", "prometheus", "registry", "sonarqube", "tempo", "thanos", "thanos-minio", "tracing", "twistlock",
];
const SCRIPT_PASSTHROUGH = ["keycloak", "vault"];

const ALL_PACKAGES = [...new Set([...PUBLIC_SUBDOMAINS, ...PASSTHROUGH_SUBDOMAINS].map((row) => row.packageKey))];
const DEFAULT = ingressAddresses("172.20.0.0/16");

describe("access", () => {
    it("holds the dev script's subdomain lists, in its order", () => {
        assert.deepEqual(PUBLIC_SUBDOMAINS.map((r) => r.subdomain), SCRIPT_PUBLIC);
        assert.deepEqual(PASSTHROUGH_SUBDOMAINS.map((r) => r.subdomain), SCRIPT_PASSTHROUGH);
    });

    it("with every package on, prints print_instructions' two /etc/hosts lines (l.1095-1096) exactly", () => {
        const lines = etcHostsLines({ domain: "dev.bigbang.mil", enabledPackages: ALL_PACKAGES, developerPackages: [], addresses: DEFAULT });
        assert.deepEqual(lines, [
            `172.20.1.240 ${SCRIPT_PASSTHROUGH.map((s) => `${s}.dev.bigbang.mil`).join(" ")}`,
            `172.20.1.241 ${SCRIPT_PUBLIC.map((s) => `${s}.dev.bigbang.mil`).join(" ")}`,
        ]);
    });

    it("lists only the names of packages that are on, plus the developer's custom packages", () => {
        const lines = etcHostsLines({
            domain: "dev.bigbang.mil",
            enabledPackages: ["istiod", "kiali", "monitoring"],
            developerPackages: ["packages.podinfo", "kiali"],
            addresses: DEFAULT,
        });
        assert.deepEqual(lines, ["172.20.1.241 alertmanager.dev.bigbang.mil kiali.dev.bigbang.mil prometheus.dev.bigbang.mil podinfo.dev.bigbang.mil"]);
        assert.deepEqual(ingressHostnames({ domain: "example.mil", enabledPackages: ["addons.keycloak"], developerPackages: [] }), {
            passthrough: ["keycloak.example.mil"], public: [],
        });
        assert.deepEqual(etcHostsLines({ domain: "dev.bigbang.mil", enabledPackages: [], developerPackages: [], addresses: DEFAULT }), []);
    });

    const ssh = { sshUser: "ubuntu", address: "203.0.113.7", sshOptions: "-i /home/me/.ssh/dev.pem -o IdentitiesOnly=yes -o 'UserKnownHostsFile=/tmp/a b'" };

    it("sshuttle: print_instructions option 2 (l.1091), with the host's ssh options as one --ssh-cmd word", () => {
        assert.equal(
            sshuttleCommand({ ...ssh, lanCidr: DEFAULT.lanCidr }),
            `sshuttle --dns -vr ubuntu@203.0.113.7 172.20.1.0/24 --ssh-cmd 'ssh -i /home/me/.ssh/dev.pem -o IdentitiesOnly=yes -o '\\''UserKnownHostsFile=/tmp/a b'\\'''`,
        );
        assert.equal(sshuttleCommand({ ...ssh, sshOptions: "-i k", lanCidr: "10.0.5.0/24" }), "sshuttle --dns -vr ubuntu@203.0.113.7 10.0.5.0/24 --ssh-cmd 'ssh -i k'");
    });

    it("SOCKS: print_instructions option 1 (l.1080)", () => {
        assert.equal(socksCommand({ ...ssh, sshOptions: "-i k" }), "ssh -i k ubuntu@203.0.113.7 -D 127.0.0.1:12345");
    });

    it("status commands are Big Bang's documented ones", () => {
        assert.deepEqual(bigbangStatusCommands(), ["kubectl get hr -A", "flux get hr -A"]);
        assert.deepEqual(bigbangStatusCommands({ kubeContext: "k3d-dev" }), ["kubectl --context k3d-dev get hr -A", "flux --context k3d-dev get hr -A"]);
    });

    it("refuses input that would break the printed commands", () => {
        assert.throws(() => socksCommand({ ...ssh, sshUser: "root; rm -rf /" }), /user name/);
        assert.throws(() => sshuttleCommand({ ...ssh, lanCidr: "x" }), /CIDR/);
        assert.throws(() => etcHostsLines({ domain: "dev.bigbang.mil", enabledPackages: [], developerPackages: [], addresses: { public: "a", passthrough: "b" } }), /IPv4/);
    });
});

describe("access: the dev host's own /etc/hosts names", () => {
    it("are every name of the dev script's lists (as fix_etc_hosts writes them) plus custom packages, without the registry's", () => {
        const names = hostIngressNames({ domain: "dev.bigbang.mil", developerPackages: ["packages.myapp", "kiali"], exclude: ["registry.dev.bigbang.mil"] });
        assert.deepEqual(names.passthrough, ["keycloak.dev.bigbang.mil", "vault.dev.bigbang.mil"]);
        const expected = [...new Set(PUBLIC_SUBDOMAINS.map((row) => `${row.subdomain}.dev.bigbang.mil`))].filter((n) => n !== "registry.dev.bigbang.mil");
        assert.deepEqual(names.public, [...expected, "myapp.dev.bigbang.mil"]);
    });
});
