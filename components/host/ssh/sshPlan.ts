// Pure planning for the `ssh` backend (an existing Linux machine, like Big Bang's
// `k3d-dev.sh -H <ip> -P <private ip> -U <user> -k <key>`): the machine's identity,
// the paths the program owns on it, the commands that install and remove what it
// puts there, and the one SSH read it makes at every run (the boot id). No Pulumi
// resources here; test/host/sshPlan.test.ts tests it directly.
import { Architecture, PROJECT } from "../../config/config";
import { DEFAULT_DOCKER_DAEMON_CONFIG, KERNEL_MODULES, KERNEL_SETTINGS } from "../hostSetup";
import { shellQuote, sshClientOptions } from "../hostPlan";
import { HOST_SCRIPTS } from "../remoteScript";
import { HOST_INSTANCE_LABEL } from "../onHost";

/** What the ssh backend reads from `host.ssh.*` (the config module's SshHostConfig["ssh"]). */
export interface SshSettings {
    address: string;
    user: string;
    port: number;
    privateKeyFile?: string;
    hostKey: string;
    privateAddress?: string;
}

/**
 * The program's own folder for the tools it installs on a machine it does not own. Pinned copies
 * go here, never over the machine's own k3d, kubectl or Helm, which may be another version that
 * something else on the machine uses (install-tools.sh TOOLS_ACCEPT_ON_PATH). The host's commands
 * find them first on PATH (sshCommandPrefix); where the machine has no such tool at all, a link in
 * /usr/local/bin lets the user's own shell find it too (install-host.sh).
 */
export const SSH_TOOLS_DIR = `/usr/local/lib/${PROJECT}/bin`;

/** The record of what the program installed on the machine, which the uninstall reads (install-host.sh). */
export const SSH_INSTALL_RECORD = `/var/lib/${PROJECT}/installed`;

/**
 * A new value is a new machine (DevHost.machineId): the login, address and port the program
 * reaches it at. A changed address is another machine, so everything is built there, and the old
 * resources' deletes clean the old one: pulumi-command runs a Delete with the connection recorded
 * in the old state (provider/pkg/provider/remote/commandController.go Delete: `props := req.State`,
 * then props.run), whose pinned host key refuses any other machine that now answers at the old address.
 */
export function sshMachineId(ssh: Pick<SshSettings, "user" | "address" | "port">): string {
    return `${ssh.user}@${ssh.address}:${ssh.port}`;
}

/**
 * The folder the program stages files in (charts), known before any SSH connection: it is part of
 * command texts and copy paths, which must be the same in preview. `~` cannot be resolved without
 * dialling the machine, so it is /home/<user> as Debian's and Ubuntu's adduser make it;
 * install-host.sh creates it as the user's and refuses a machine without /home/<user>.
 */
export function sshWorkDir(user: string): string {
    return `/home/${user}/.${PROJECT}`;
}

/** The address cluster ports bind to: the private address (`-P` of k3d-dev.sh), else the one the workstation uses. */
export function sshBindAddress(ssh: Pick<SshSettings, "address" | "privateAddress">): string {
    return ssh.privateAddress ?? ssh.address;
}

/** The Docker provider's endpoint. Docker's ssh helper (docker/cli cli/connhelper/ssh) passes the port as `-p`. */
export function sshDockerHost(ssh: Pick<SshSettings, "user" | "address" | "port">): string {
    return `ssh://${ssh.user}@${ssh.address}:${ssh.port}`;
}

/**
 * What every command the backend runs starts with: the program's tools first on PATH. The machine's
 * own PATH stays behind them, so a command finds the pinned copy where the program installed one and
 * the machine's own (at the pinned version) otherwise. POSIX syntax: the login shell runs the command
 * (install-host.sh refuses a login shell that is not a POSIX one).
 */
export function sshCommandPrefix(): string {
    return `PATH=${SSH_TOOLS_DIR}:"$PATH"; export PATH; `;
}

/** One `key=value` word per kernel setting: the same list the aws host's cloud-init writes (cloudInit.ts). */
export function kernelSettingWords(): string[] {
    return Object.entries(KERNEL_SETTINGS).map(([key, value]) => `${key}=${value}`);
}

export interface SshInstallArgs {
    user: string;
    /** The stack's name: the record counts the stacks that use the machine. */
    stack: string;
    architecture: Architecture;
    tools: { k3d: string; kubectl: string; helm: string };
    toolSha256: { k3d: string; kubectl: string; helm: string };
}

/**
 * The machine's base: Docker (the distro's docker.io where there is none), Big Bang's kernel
 * settings and modules, the user in the docker group, the work folder, the record. Run as root.
 */
export function sshBaseInstallCommand(args: Pick<SshInstallArgs, "user" | "stack" | "architecture">): string {
    const words: (string | number)[] = [
        "--user", args.user, "--stack", args.stack, "--arch", args.architecture,
        "--work-dir", sshWorkDir(args.user), "--tools-dir", SSH_TOOLS_DIR, "--record", SSH_INSTALL_RECORD,
        ...kernelSettingWords().flatMap((w) => ["--sysctl", w]),
        ...KERNEL_MODULES.flatMap((m) => ["--module", m]),
        // Written only where the program installs Docker itself (the machine then has no daemon.json).
        "--docker-daemon-json", JSON.stringify(DEFAULT_DOCKER_DAEMON_CONFIG),
    ];
    return `sudo -n ${HOST_SCRIPTS.command("install-host", words)}`;
}

/**
 * k3d, kubectl and Helm at the pinned versions, with the same script (and checksums) as the aws host,
 * into the program's own folder; a tool the machine already has at the pinned version is used as it is.
 */
export function sshToolsInstallCommand(args: Pick<SshInstallArgs, "architecture" | "tools" | "toolSha256">): string {
    const { k3d, kubectl, helm } = args.tools;
    const sums = args.toolSha256;
    const script = HOST_SCRIPTS.command("install-tools", [args.architecture, k3d, kubectl, helm, sums.k3d, sums.kubectl, sums.helm]);
    return `sudo -n env INSTALL_DIR=${SSH_TOOLS_DIR} TOOLS_ACCEPT_ON_PATH=1 ${script}`;
}

/** Undoes sshBaseInstallCommand and the tools when the last stack on the machine goes (uninstall-host.sh). */
export function sshUninstallCommand(args: Pick<SshInstallArgs, "user" | "stack"> & { machineId: string }): string {
    const words = ["--user", args.user, "--stack", args.stack, "--work-dir", sshWorkDir(args.user), "--tools-dir", SSH_TOOLS_DIR, "--record", SSH_INSTALL_RECORD,
        // The Docker objects the program left on this machine (see uninstall-host.sh for why the provider cannot).
        "--docker-label", `${HOST_INSTANCE_LABEL}=${args.machineId}`, "--docker-cleanup", HOST_SCRIPTS.text("docker-objects-cleanup")];
    return `sudo -n ${HOST_SCRIPTS.command("uninstall-host", words)}`;
}

/**
 * A sh script for `command.local.run` (an invoke: it runs at every preview and update) that prints
 * the machine's boot id (/proc/sys/kernel/random/boot_id, a new random UUID at every boot; Linux
 * drivers/char/random.c). The readiness steps carry it in their triggers, so they run again on the
 * first `up` after the machine rebooted, as the aws steps do after EC2 starts the instance. The host
 * key is pinned from a temporary known_hosts written here, so the read works before the per-stack
 * file exists and trusts no other key.
 */
export function bootIdReadScript(opts: { ssh: SshSettings; knownHostsLine: string; hostKeyAlias: string }): string {
    const { ssh } = opts;
    const marker = "@KNOWN_HOSTS@";
    const options = sshClientOptions({ privateKeyFile: ssh.privateKeyFile, knownHostsFile: marker, hostKeyAlias: opts.hostKeyAlias })
        .map((o) => (o === `UserKnownHostsFile=${marker}` ? `"UserKnownHostsFile=$kh"` : shellQuote(o)));
    const target = shellQuote(`${ssh.user}@${ssh.address}`);
    return [
        "set -u",
        'kh="$(mktemp)"',
        "trap 'rm -f \"$kh\"' EXIT",
        `printf '%s' ${shellQuote(opts.knownHostsLine)} >"$kh"`,
        `if ! out="$(ssh ${options.join(" ")} -p ${ssh.port} ${target} cat /proc/sys/kernel/random/boot_id 2>&1)"; then`,
        `  echo "${PROJECT}: cannot reach ${ssh.user}@${ssh.address} port ${ssh.port} over SSH to read its boot id: $out" >&2`,
        "  exit 1",
        "fi",
        'printf \'%s\\n\' "$out" | tail -n 1',
    ].join("\n");
}

/** The boot id from bootIdReadScript's stdout, or an error naming what came back. */
export function parseBootId(stdout: string): string {
    const id = stdout.trim();
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id)) {
        throw new Error(`${PROJECT}: the machine's boot id is not a UUID: ${JSON.stringify(id.slice(0, 80))}`);
    }
    return id;
}
