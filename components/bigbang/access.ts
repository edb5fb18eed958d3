// How a developer reaches Big Bang's web apps from the workstation, in the
// words of Big Bang's dev script (docs/reference/scripts/developer/k3d-dev.sh,
// Big Bang commit 1699eff40, print_instructions at l.1043): the apps answer on
// the MetalLB addresses inside the host's Docker network, so the workstation
// either routes that /24 over ssh (sshuttle) and maps the names in /etc/hosts,
// or uses ssh as a SOCKS proxy. The script's file is not in the reference
// folder, so the lists live here and test/bigbang/access.test.ts pins them.
import { HOSTNAME, IPV4 } from "../config/config";
import { shellQuote } from "../host/hostPlan";

/**
 * The dev script's PUBLIC_SUBDOMAINS (l.26-52), in its order, each with the
 * Big Bang package whose VirtualService serves it (hostnames read in
 * chart/templates/<package>/ at the same commit; `tracing` is served by the
 * tempo chart itself).
 */
export const PUBLIC_SUBDOMAINS: readonly { subdomain: string; packageKey: string }[] = Object.freeze([
    { subdomain: "alertmanager", packageKey: "monitoring" },
    { subdomain: "anchore-api", packageKey: "addons.anchoreEnterprise" },
    { subdomain: "anchore", packageKey: "addons.anchoreEnterprise" },
    { subdomain: "argocd", packageKey: "addons.argocd" },
    { subdomain: "chat", packageKey: "addons.mattermost" },
    { subdomain: "fortify", packageKey: "addons.fortify" },
    { subdomain: "gitlab", packageKey: "addons.gitlab" },
    { subdomain: "grafana", packageKey: "grafana" },
    { subdomain: "harbor", packageKey: "addons.harbor" },
    { subdomain: "headlamp", packageKey: "addons.headlamp" },
    { subdomain: "kiali", packageKey: "kiali" },
    { subdomain: "kibana", packageKey: "elasticsearchKibana" },
    { subdomain: "loki", packageKey: "loki" },
    { subdomain: "minio-api", packageKey: "addons.minio" },
    { subdomain: "minio", packageKey: "addons.minio" },
    { subdomain: "neuvector", packageKey: "neuvector" },
    { subdomain: "policyreporter", packageKey: "kyvernoReporter" },
    { subdomain: "prometheus", packageKey: "monitoring" },
    // GitLab's container registry (chart/templates/gitlab/values.yaml).
    { subdomain: "registry", packageKey: "addons.gitlab" },
    { subdomain: "sonarqube", packageKey: "addons.sonarqube" },
    { subdomain: "tempo", packageKey: "tempo" },
    { subdomain: "thanos", packageKey: "addons.thanos" },
    { subdomain: "thanos-minio", packageKey: "addons.thanos" },
    { subdomain: "tracing", packageKey: "tempo" },
    { subdomain: "twistlock", packageKey: "twistlock" },
]);

/** The dev script's PASSTHROUGH_SUBDOMAINS (l.53-56): apps that terminate TLS themselves. */
export const PASSTHROUGH_SUBDOMAINS: readonly { subdomain: string; packageKey: string }[] = Object.freeze([
    { subdomain: "keycloak", packageKey: "addons.keycloak" },
    { subdomain: "vault", packageKey: "addons.vault" },
]);

/** The port the dev script's SOCKS proxy listens on (l.1080). */
export const SOCKS_PORT = 12345;

export interface EtcHostsArgs {
    domain: string;
    /** Package keys that are on (enabledPackages of the merged values). */
    enabledPackages: readonly string[];
    /** The developer's package keys; a custom `packages.<name>` is served at `<name>.<domain>`. */
    developerPackages: readonly string[];
    addresses: { public: string; passthrough: string };
}

/** The passthrough and public host names of the packages that are on, in the dev script's order. */
export function ingressHostnames(args: Omit<EtcHostsArgs, "addresses">): { passthrough: string[]; public: string[] } {
    if (!HOSTNAME.test(args.domain)) throw new Error(`domain ${JSON.stringify(args.domain)} is not a DNS name`);
    const on = new Set([...args.enabledPackages, ...args.developerPackages]);
    const names = (table: readonly { subdomain: string; packageKey: string }[]) =>
        table.filter((row) => on.has(row.packageKey)).map((row) => `${row.subdomain}.${args.domain}`);
    const custom = args.developerPackages
        .filter((key) => key.startsWith("packages."))
        .map((key) => `${key.slice("packages.".length).toLowerCase()}.${args.domain}`);
    const dedupe = (list: string[]) => [...new Set(list)];
    return { passthrough: dedupe(names(PASSTHROUGH_SUBDOMAINS)), public: dedupe([...names(PUBLIC_SUBDOMAINS), ...custom]) };
}

/**
 * The names the dev host's own /etc/hosts maps to the gateways, as the dev script's
 * fix_etc_hosts (l.1500-1521) writes them: every name of both lists, whatever is on,
 * plus the developer's custom packages, so that a SOCKS proxy through the host
 * (which resolves names there) reaches them. `exclude` keeps the registry's own name
 * out, which its own block already maps.
 */
export function hostIngressNames(args: { domain: string; developerPackages: readonly string[]; exclude?: readonly string[] }): { passthrough: string[]; public: string[] } {
    const everything = [...PUBLIC_SUBDOMAINS, ...PASSTHROUGH_SUBDOMAINS].map((row) => row.packageKey);
    const names = ingressHostnames({ domain: args.domain, enabledPackages: everything, developerPackages: args.developerPackages });
    const keep = (list: string[]) => list.filter((name) => !(args.exclude ?? []).includes(name));
    return { passthrough: keep(names.passthrough), public: keep(names.public) };
}

/**
 * Workstation /etc/hosts lines as print_instructions prints them (l.1095-1096):
 * the passthrough address first, then the public one, one line each, and no
 * line for an address with no names.
 */
export function etcHostsLines(args: EtcHostsArgs): string[] {
    for (const address of [args.addresses.public, args.addresses.passthrough]) {
        if (!IPV4.test(address)) throw new Error(`not an IPv4 address: ${JSON.stringify(address)}`);
    }
    const names = ingressHostnames(args);
    const lines: string[] = [];
    if (names.passthrough.length > 0) lines.push(`${args.addresses.passthrough} ${names.passthrough.join(" ")}`);
    if (names.public.length > 0) lines.push(`${args.addresses.public} ${names.public.join(" ")}`);
    return lines;
}

export interface SshAccessArgs {
    sshUser: string;
    /** The host's public address or name. */
    address: string;
    /** The options every ssh client of the host uses, already shell-quoted (host/hostPlan sshClientOptions). */
    sshOptions: string;
}

function sshTarget(args: SshAccessArgs): string {
    if (!/^[a-z_][a-z0-9_-]*$/.test(args.sshUser)) throw new Error(`ssh user ${JSON.stringify(args.sshUser)} is not a valid user name`);
    if (!IPV4.test(args.address) && !HOSTNAME.test(args.address)) throw new Error(`host address ${JSON.stringify(args.address)} is not an IPv4 address or DNS name`);
    return `${args.sshUser}@${args.address}`;
}

/**
 * Option 2 of print_instructions (l.1091): route the MetalLB /24 through the
 * host, with DNS. sshuttle runs `--ssh-cmd` itself, so the ssh command with
 * its options is one shell word here.
 */
export function sshuttleCommand(args: SshAccessArgs & { lanCidr: string }): string {
    if (!/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(args.lanCidr)) throw new Error(`not an IPv4 CIDR: ${JSON.stringify(args.lanCidr)}`);
    const ssh = ["ssh", args.sshOptions.trim()].filter((w) => w !== "").join(" ");
    return `sshuttle --dns -vr ${sshTarget(args)} ${args.lanCidr} --ssh-cmd ${shellQuote(ssh)}`;
}

/** Option 1 of print_instructions (l.1080): ssh as a SOCKS v5 proxy on the workstation's loopback. */
export function socksCommand(args: SshAccessArgs): string {
    return ["ssh", args.sshOptions.trim(), sshTarget(args), "-D", `127.0.0.1:${SOCKS_PORT}`].filter((w) => w !== "").join(" ");
}

/**
 * Big Bang's documented status commands (`kubectl get hr -A`, `flux get hr -A`),
 * pinned to the cluster's kube context when one is given.
 */
export function bigbangStatusCommands(opts: { kubeContext?: string } = {}): string[] {
    const context = opts.kubeContext === undefined ? "" : ` --context ${shellQuote(opts.kubeContext)}`;
    return [`kubectl${context} get hr -A`, `flux${context} get hr -A`];
}
