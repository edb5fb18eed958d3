// The host's first-boot configuration, as cloud-init user-data. Deterministic:
// the same HostConfig always renders the same text (the instance is replaced
// when its user-data changes, so only what needs a new machine belongs here),
// and nothing here talks to AWS. So tests can validate every variant with
// `cloud-init schema` and shellcheck.
//
// Every step that can fail runs inside one provisioning script (the only runcmd
// entry). cloud-init runs runcmd as a plain `sh` script, whose exit status is
// that of its last command; with one command, any failure fails cloud-init, and
// wait-cloud-init.sh reports it instead of the host looking ready.
import * as path from "path";
import { stringify } from "yaml";
import { z } from "zod";
import type { AwsHostConfig } from "../../config/config";
import { BASE_PACKAGES, DOCKER_PACKAGES, KERNEL_MODULES, KERNEL_SETTINGS } from "../hostSetup";

/** EC2 refuses user-data above 16 KiB (before base64). */
export const EC2_USER_DATA_LIMIT_BYTES = 16384;

export const HOST_PATHS = {
    sysctl: "/etc/sysctl.d/90-bigbang-oci-dev.conf",
    modules: "/etc/modules-load.d/bigbang-oci-dev.conf",
    dockerKey: "/etc/apt/keyrings/docker.asc",
    dockerDaemon: "/etc/docker/daemon.json",
    provision: "/usr/local/sbin/bigbang-oci-dev-provision",
    shutdownService: "/etc/systemd/system/bigbang-oci-dev-auto-shutdown.service",
    shutdownTimer: "/etc/systemd/system/bigbang-oci-dev-auto-shutdown.timer",
} as const;

export const AUTO_SHUTDOWN_TIMER = path.posix.basename(HOST_PATHS.shutdownTimer);
/** Logged-in users get this much warning (and `sudo shutdown -c` to cancel) before the auto-shutdown. */
export const AUTO_SHUTDOWN_WARNING_MINUTES = 5;

/**
 * Docker's apt signing key "Docker Release (CE deb) <docker@docker.com>",
 * fingerprint 9DC8 5822 9FC7 DD38 854A E2D8 8D81 803C 0EBF CD88, exactly as
 * https://download.docker.com/linux/ubuntu/gpg serves it (SHA-256 of the file:
 * 1500c1f56fa9e26b9b8f42452a553675796ade0807cdce11975eb98170b3a570).
 * Embedded so first boot trusts no key it fetched over the network.
 */
export const DOCKER_APT_KEY_FINGERPRINT = "9DC858229FC7DD38854AE2D88D81803C0EBFCD88";
export const DOCKER_APT_KEY = `-----BEGIN PGP PUBLIC KEY BLOCK-----

mQINBFit2ioBEADhWpZ8/wvZ6hUTiXOwQHXMAlaFHcPH9hAtr4F1y2+OYdbtMuth
lqqwp028AqyY+PRfVMtSYMbjuQuu5byyKR01BbqYhuS3jtqQmljZ/bJvXqnmiVXh
38UuLa+z077PxyxQhu5BbqntTPQMfiyqEiU+BKbq2WmANUKQf+1AmZY/IruOXbnq
L4C1+gJ8vfmXQt99npCaxEjaNRVYfOS8QcixNzHUYnb6emjlANyEVlZzeqo7XKl7
UrwV5inawTSzWNvtjEjj4nJL8NsLwscpLPQUhTQ+7BbQXAwAmeHCUTQIvvWXqw0N
cmhh4HgeQscQHYgOJjjDVfoY5MucvglbIgCqfzAHW9jxmRL4qbMZj+b1XoePEtht
ku4bIQN1X5P07fNWzlgaRL5Z4POXDDZTlIQ/El58j9kp4bnWRCJW0lya+f8ocodo
vZZ+Doi+fy4D5ZGrL4XEcIQP/Lv5uFyf+kQtl/94VFYVJOleAv8W92KdgDkhTcTD
G7c0tIkVEKNUq48b3aQ64NOZQW7fVjfoKwEZdOqPE72Pa45jrZzvUFxSpdiNk2tZ
XYukHjlxxEgBdC/J3cMMNRE1F4NCA3ApfV1Y7/hTeOnmDuDYwr9/obA8t016Yljj
q5rdkywPf4JF8mXUW5eCN1vAFHxeg9ZWemhBtQmGxXnw9M+z6hWwc6ahmwARAQAB
tCtEb2NrZXIgUmVsZWFzZSAoQ0UgZGViKSA8ZG9ja2VyQGRvY2tlci5jb20+iQI3
BBMBCgAhBQJYrefAAhsvBQsJCAcDBRUKCQgLBRYCAwEAAh4BAheAAAoJEI2BgDwO
v82IsskP/iQZo68flDQmNvn8X5XTd6RRaUH33kXYXquT6NkHJciS7E2gTJmqvMqd
tI4mNYHCSEYxI5qrcYV5YqX9P6+Ko+vozo4nseUQLPH/ATQ4qL0Zok+1jkag3Lgk
jonyUf9bwtWxFp05HC3GMHPhhcUSexCxQLQvnFWXD2sWLKivHp2fT8QbRGeZ+d3m
6fqcd5Fu7pxsqm0EUDK5NL+nPIgYhN+auTrhgzhK1CShfGccM/wfRlei9Utz6p9P
XRKIlWnXtT4qNGZNTN0tR+NLG/6Bqd8OYBaFAUcue/w1VW6JQ2VGYZHnZu9S8LMc
FYBa5Ig9PxwGQOgq6RDKDbV+PqTQT5EFMeR1mrjckk4DQJjbxeMZbiNMG5kGECA8
g383P3elhn03WGbEEa4MNc3Z4+7c236QI3xWJfNPdUbXRaAwhy/6rTSFbzwKB0Jm
ebwzQfwjQY6f55MiI/RqDCyuPj3r3jyVRkK86pQKBAJwFHyqj9KaKXMZjfVnowLh
9svIGfNbGHpucATqREvUHuQbNnqkCx8VVhtYkhDb9fEP2xBu5VvHbR+3nfVhMut5
G34Ct5RS7Jt6LIfFdtcn8CaSas/l1HbiGeRgc70X/9aYx/V/CEJv0lIe8gP6uDoW
FPIZ7d6vH+Vro6xuWEGiuMaiznap2KhZmpkgfupyFmplh0s6knymuQINBFit2ioB
EADneL9S9m4vhU3blaRjVUUyJ7b/qTjcSylvCH5XUE6R2k+ckEZjfAMZPLpO+/tF
M2JIJMD4SifKuS3xck9KtZGCufGmcwiLQRzeHF7vJUKrLD5RTkNi23ydvWZgPjtx
Q+DTT1Zcn7BrQFY6FgnRoUVIxwtdw1bMY/89rsFgS5wwuMESd3Q2RYgb7EOFOpnu
w6da7WakWf4IhnF5nsNYGDVaIHzpiqCl+uTbf1epCjrOlIzkZ3Z3Yk5CM/TiFzPk
z2lLz89cpD8U+NtCsfagWWfjd2U3jDapgH+7nQnCEWpROtzaKHG6lA3pXdix5zG8
eRc6/0IbUSWvfjKxLLPfNeCS2pCL3IeEI5nothEEYdQH6szpLog79xB9dVnJyKJb
VfxXnseoYqVrRz2VVbUI5Blwm6B40E3eGVfUQWiux54DspyVMMk41Mx7QJ3iynIa
1N4ZAqVMAEruyXTRTxc9XW0tYhDMA/1GYvz0EmFpm8LzTHA6sFVtPm/ZlNCX6P1X
zJwrv7DSQKD6GGlBQUX+OeEJ8tTkkf8QTJSPUdh8P8YxDFS5EOGAvhhpMBYD42kQ
pqXjEC+XcycTvGI7impgv9PDY1RCC1zkBjKPa120rNhv/hkVk/YhuGoajoHyy4h7
ZQopdcMtpN2dgmhEegny9JCSwxfQmQ0zK0g7m6SHiKMwjwARAQABiQQ+BBgBCAAJ
BQJYrdoqAhsCAikJEI2BgDwOv82IwV0gBBkBCAAGBQJYrdoqAAoJEH6gqcPyc/zY
1WAP/2wJ+R0gE6qsce3rjaIz58PJmc8goKrir5hnElWhPgbq7cYIsW5qiFyLhkdp
YcMmhD9mRiPpQn6Ya2w3e3B8zfIVKipbMBnke/ytZ9M7qHmDCcjoiSmwEXN3wKYI
mD9VHONsl/CG1rU9Isw1jtB5g1YxuBA7M/m36XN6x2u+NtNMDB9P56yc4gfsZVES
KA9v+yY2/l45L8d/WUkUi0YXomn6hyBGI7JrBLq0CX37GEYP6O9rrKipfz73XfO7
JIGzOKZlljb/D9RX/g7nRbCn+3EtH7xnk+TK/50euEKw8SMUg147sJTcpQmv6UzZ
cM4JgL0HbHVCojV4C/plELwMddALOFeYQzTif6sMRPf+3DSj8frbInjChC3yOLy0
6br92KFom17EIj2CAcoeq7UPhi2oouYBwPxh5ytdehJkoo+sN7RIWua6P2WSmon5
U888cSylXC0+ADFdgLX9K2zrDVYUG1vo8CX0vzxFBaHwN6Px26fhIT1/hYUHQR1z
VfNDcyQmXqkOnZvvoMfz/Q0s9BhFJ/zU6AgQbIZE/hm1spsfgvtsD1frZfygXJ9f
irP+MSAI80xHSf91qSRZOj4Pl3ZJNbq4yYxv0b1pkMqeGdjdCYhLU+LZ4wbQmpCk
SVe2prlLureigXtmZfkqevRz7FrIZiu9ky8wnCAPwC7/zmS18rgP/17bOtL4/iIz
QhxAAoAMWVrGyJivSkjhSGx1uCojsWfsTAm11P7jsruIL61ZzMUVE2aM3Pmj5G+W
9AcZ58Em+1WsVnAXdUR//bMmhyr8wL/G1YO1V3JEJTRdxsSxdYa4deGBBY/Adpsw
24jxhOJR+lsJpqIUeb999+R8euDhRHG9eFO7DRu6weatUJ6suupoDTRWtr/4yGqe
dKxV3qQhNLSnaAzqW/1nA3iUB4k7kCaKZxhdhDbClf9P37qaRW467BLCVO/coL3y
Vm50dwdrNtKpMBh3ZpbB1uJvgi9mXtyBOMJ3v8RZeDzFiG8HdCtg9RvIt/AIFoHR
H3S+U79NT6i0KPzLImDfs8T7RlpyuMc4Ufs8ggyg9v3Ae6cN3eQyxcK3w0cbBwsh
/nQNfsA6uu+9H7NhbehBMhYnpNZyrHzCmzyXkauwRAqoCbGCNykTRwsur9gS41TQ
M8ssD1jFheOJf3hODnkKU+HKjvMROl1DK7zdmLdNzA1cvtZH/nCC9KPj1z8QC47S
xx+dTZSx4ONAhwbS/LN3PoKtn8LPjY9NP9uDWI+TWYquS2U+KHDrBDlsgozDbs/O
jCxcpDzNmXpWQHEtHU7649OXHP7UeNST1mCUCH5qdank0V1iejF6/CfTFU4MfcrG
YT90qFF93M3v01BbxP+EIY2/9tiIPbrd
=0YYh
-----END PGP PUBLIC KEY BLOCK-----
`;

/**
 * Container logs of the k3d nodes grow for as long as the host runs; json-file
 * with rotation keeps `docker logs` working and the disk from filling.
 */
export const DEFAULT_DOCKER_DAEMON_CONFIG: Readonly<Record<string, unknown>> = {
    "log-driver": "json-file",
    "log-opts": { "max-size": "50m", "max-file": "3" },
};

export interface CloudInitOptions {
    /**
     * `apt-get upgrade` on first boot. Default true (issue 21): the image is pinned by a serial cut-off
     * (pins.ts), so without it every new host would boot with fixes missing since that date; after
     * that, Ubuntu's unattended-upgrades (on in Canonical's cloud images) applies security updates daily.
     */
    packageUpgrade?: boolean;
    /** More apt packages to install with Docker. */
    extraPackages?: string[];
    /** Replaces DEFAULT_DOCKER_DAEMON_CONFIG as /etc/docker/daemon.json. */
    dockerDaemonConfig?: Record<string, unknown>;
    /**
     * The OpenSSH public key a login user other than the image's default one logs in
     * with. EC2 gives the key pair's key only to the default user (`ubuntu`).
     */
    loginUserKey?: string;
    /**
     * The host's SSH key, generated in Pulumi state so every client can pin it before the
     * instance exists (see DevHost). Installed as the only host key.
     */
    hostKey?: HostKey;
}

export interface HostKey {
    /** OpenSSH private key ("-----BEGIN OPENSSH PRIVATE KEY-----"), ed25519. */
    privateOpenssh: string;
    /** "ssh-ed25519 AAAA...". */
    publicOpenssh: string;
}

/**
 * cloud-init's cc_ssh (ssh module, cloudinit/config/cc_ssh.py, 22.4.2 and later): with
 * `ssh_keys`, it deletes the image's host keys (`ssh_deletekeys`, true by default, said
 * here explicitly), writes the given ones and generates no others: `ssh_genkeytypes` is
 * read only in the branch without `ssh_keys` (and the schema refuses an empty list, so it is
 * left out). So sshd offers exactly the pinned key, whatever host-key algorithm a client
 * prefers. The module runs once per instance, before sshd starts.
 */
export function hostKeyConfig(key: HostKey): Record<string, unknown> {
    if (!key.privateOpenssh.includes("PRIVATE KEY")) throw new Error("cloud-init: the host key is not a private key");
    if (!/^ssh-ed25519 [A-Za-z0-9+/=]+/.test(key.publicOpenssh.trim())) throw new Error("cloud-init: the host public key is not ssh-ed25519");
    return {
        ssh_deletekeys: true,
        ssh_keys: { ed25519_private: key.privateOpenssh, ed25519_public: key.publicOpenssh.trim() },
    };
}

/** The user Canonical's images create, and give the EC2 key pair's key, by themselves. */
export const IMAGE_DEFAULT_USER = "ubuntu";

// Same pattern as the stack config; repeated because these values end up in scripts.
const VERSION = /^v\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;
const LINUX_USER = /^[a-z_][a-z0-9_-]{0,31}$/;
const DEBIAN_PACKAGE = /^[a-z0-9][a-z0-9+.-]+$/;

function checkInputs(host: AwsHostConfig, opts: CloudInitOptions): void {
    const problems: string[] = [];
    if (!LINUX_USER.test(host.sshUser)) problems.push(`sshUser ${JSON.stringify(host.sshUser)} is not a Linux user name`);
    if (host.architecture !== "amd64" && host.architecture !== "arm64") problems.push(`architecture ${JSON.stringify(host.architecture)} is not amd64 or arm64`);
    for (const [tool, version] of Object.entries(host.tools)) {
        if (!VERSION.test(version)) problems.push(`${tool} version ${JSON.stringify(version)} is not like v1.2.3`);
    }
    if (!Number.isInteger(host.autoShutdownHours) || host.autoShutdownHours < 0 || host.autoShutdownHours > 720) {
        problems.push(`autoShutdownHours ${host.autoShutdownHours} is not a whole number of hours from 0 to 720`);
    }
    for (const name of opts.extraPackages ?? []) {
        if (!DEBIAN_PACKAGE.test(name)) problems.push(`extra package ${JSON.stringify(name)} is not a Debian package name`);
    }
    if (problems.length > 0) throw new Error(`cloud-init: ${problems.join("; ")}`);
}

function sysctlFile(): string {
    const lines = Object.entries(KERNEL_SETTINGS).map(([key, value]) => `${key} = ${value}`);
    return `# bigbang-oci-dev: the values of Big Bang's k3d-dev.sh\n${lines.join("\n")}\n`;
}

function modulesFile(): string {
    return `# bigbang-oci-dev: Istio's iptables redirection (Big Bang's k3d-dev.sh)\n${KERNEL_MODULES.join("\n")}\n`;
}

// Bash, run as root by the single runcmd entry. Host-specific values come in as
// arguments (runcmd quotes each one), so nothing from the config is spliced into
// the script text.
const PROVISION_SCRIPT = `#!/usr/bin/env bash
# First-boot provisioning of the bigbang-oci-dev host, run once by cloud-init
# (runcmd) as root, after apt has installed Docker. A failure here fails cloud-init.
set -euo pipefail

die() {
  echo "provision: $*" >&2
  exit 1
}

user=""
while [ $# -gt 0 ]; do
  [ $# -ge 2 ] || die "$1 needs a value"
  case "$1" in
    --user) user="$2" ;;
    *) die "unknown argument $1" ;;
  esac
  shift 2
done
[ -n "$user" ] || die "--user is required"

# On this first boot systemd loaded modules and applied sysctls before cloud-init
# wrote these files; later boots apply them by themselves.
while read -r module; do
  case "$module" in
    "" | "#"*) ;;
    *) modprobe "$module" ;;
  esac
done <${HOST_PATHS.modules}
sysctl --system >/dev/null || echo "provision: sysctl --system reported a problem; checking our settings" >&2
while IFS="=" read -r key value; do
  case "$key" in
    "" | "#"*) continue ;;
  esac
  key="\${key// /}"
  value="\${value// /}"
  actual="$(sysctl -n "$key")"
  [ "$actual" = "$value" ] || die "$key is $actual after sysctl --system, expected $value"
done <${HOST_PATHS.sysctl}

systemctl enable --now containerd.service docker.service
usermod -aG docker "$user"
echo "provision: done"
`;

/**
 * On EC2 an OS shutdown stops the instance when its shutdown behaviour is
 * "stop" (the default, which the Host component sets explicitly): the disk and the k3d
 * cluster survive, and starting the instance again brings them back.
 * OnBootSec counts from every boot, so each start gets the full allowance.
 */
export function autoShutdownUnits(hours: number): { service: string; timer: string } {
    const warning = AUTO_SHUTDOWN_WARNING_MINUTES;
    const service = [
        "[Unit]",
        "Description=bigbang-oci-dev auto-shutdown: power off (started by the timer of the same name)",
        "",
        "[Service]",
        "Type=oneshot",
        `ExecStart=/usr/sbin/shutdown --poweroff +${warning} "bigbang-oci-dev auto-shutdown in ${warning} minutes (cancel: sudo shutdown -c)"`,
        "",
    ].join("\n");
    const timer = [
        "[Unit]",
        `Description=bigbang-oci-dev auto-shutdown: power off ${hours} hours after boot, so a forgotten host stops costing money`,
        "",
        "[Timer]",
        `OnBootSec=${hours * 60 - warning}min`,
        "AccuracySec=1min",
        "",
        "[Install]",
        "WantedBy=timers.target",
        "",
    ].join("\n");
    return { service, timer };
}

interface WriteFile {
    path: string;
    content: string;
    permissions: string;
}

/** The cloud-config document for the host, as data. */
export function cloudInitConfig(host: AwsHostConfig, opts: CloudInitOptions = {}): Record<string, unknown> {
    checkInputs(host, opts);
    const writeFiles: WriteFile[] = [
        { path: HOST_PATHS.sysctl, content: sysctlFile(), permissions: "0644" },
        { path: HOST_PATHS.modules, content: modulesFile(), permissions: "0644" },
        { path: HOST_PATHS.dockerKey, content: DOCKER_APT_KEY, permissions: "0644" },
        {
            path: HOST_PATHS.dockerDaemon,
            content: `${JSON.stringify(opts.dockerDaemonConfig ?? DEFAULT_DOCKER_DAEMON_CONFIG, null, 2)}\n`,
            permissions: "0644",
        },
        { path: HOST_PATHS.provision, content: PROVISION_SCRIPT, permissions: "0755" },
    ];
    // The tools and the auto-shutdown timer are not here: the host's `tools` and
    // `auto-shutdown` steps set them over SSH, so changing them updates the host in place.
    const provision = [HOST_PATHS.provision, "--user", host.sshUser];
    // Any other login user is created first (users-groups runs before runcmd), so the
    // provisioning script's usermod finds it; Docker's group does not exist yet then.
    const users = host.sshUser === IMAGE_DEFAULT_USER ? {} : {
        users: ["default", {
            name: host.sshUser,
            shell: "/bin/bash",
            groups: ["adm"],
            sudo: "ALL=(ALL) NOPASSWD:ALL",
            lock_passwd: true,
            ...(opts.loginUserKey ? { ssh_authorized_keys: [opts.loginUserKey] } : {}),
        }],
    };
    return {
        ...users,
        ...(opts.hostKey ? hostKeyConfig(opts.hostKey) : {}),
        package_update: true,
        package_upgrade: opts.packageUpgrade ?? true,
        apt: {
            sources: {
                // write_files (init stage) puts the key in place before apt-configure (config stage) adds the source.
                "docker.list": {
                    source: `deb [arch=${host.architecture} signed-by=${HOST_PATHS.dockerKey}] https://download.docker.com/linux/ubuntu $RELEASE stable`,
                },
            },
        },
        packages: [...new Set([...BASE_PACKAGES, ...DOCKER_PACKAGES, ...(opts.extraPackages ?? [])])],
        write_files: writeFiles,
        runcmd: [provision],
        final_message: "bigbang-oci-dev: cloud-init finished after $UPTIME seconds",
    };
}

/** The user-data text: `#cloud-config` and the document as YAML. Throws when EC2 would refuse its size. */
export function cloudInitUserData(host: AwsHostConfig, opts: CloudInitOptions = {}): string {
    const body = stringify(cloudInitConfig(host, opts), { lineWidth: 0, aliasDuplicateObjects: false });
    // The release is named here so that changing host.ubuntuRelease changes the user-data,
    // which replaces the host (userDataReplaceOnChange) while the AMI itself is ignored.
    const userData = `#cloud-config\n# bigbang-oci-dev host: Ubuntu ${host.ubuntuRelease} ${host.architecture}\n${body}`;
    const size = Buffer.byteLength(userData, "utf8");
    if (size > EC2_USER_DATA_LIMIT_BYTES) {
        throw new Error(`cloud-init: user-data is ${size} bytes, above EC2's limit of ${EC2_USER_DATA_LIMIT_BYTES}`);
    }
    return userData;
}

export interface EmbeddedScript {
    /** Where the script lands on the host, or "runcmd" for the script cloud-init builds from runcmd. */
    path: string;
    /** Starts with a shebang. */
    content: string;
}

const writeFilesSchema = z.array(z.looseObject({ path: z.string(), content: z.string().optional() })).optional();
const runcmdSchema = z.array(z.union([z.string(), z.array(z.string())])).optional();

/** Quotes like cloud-init's util.shellify, which turns runcmd into a `sh` script. */
function shellify(commands: (string | string[])[]): string {
    const lines = commands.map((command) =>
        typeof command === "string" ? command : command.map((arg) => `'${arg.replace(/'/g, "'\\''")}'`).join(" "),
    );
    return `#!/bin/sh\n${lines.map((line) => `${line}\n`).join("")}`;
}

/** Every script the document writes (write_files with a shebang) or runs (runcmd), for shellcheck. */
export function embeddedScripts(config: Record<string, unknown>): EmbeddedScript[] {
    const scripts: EmbeddedScript[] = [];
    for (const file of writeFilesSchema.parse(config.write_files) ?? []) {
        if (file.content?.startsWith("#!")) scripts.push({ path: file.path, content: file.content });
    }
    const runcmd = runcmdSchema.parse(config.runcmd);
    if (runcmd && runcmd.length > 0) scripts.push({ path: "runcmd", content: shellify(runcmd) });
    return scripts;
}
