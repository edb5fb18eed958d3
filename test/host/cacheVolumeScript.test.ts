// cache-volume.sh (host.cacheVolumeGiB, issue 19) with stub blkid, mkfs.ext4, mount,
// umount and mountpoint: it formats only a blank device, never twice, refuses a
// foreign file system, keeps the other fstab lines, and undoes itself.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runScriptFile, ScriptRun, scriptNamed } from "../support/scripts";

const SCRIPT = path.join(scriptNamed("cache-volume").dir, "cache-volume.sh");
const VOLUME = "vol-0123456789abcdef0";
const OTHER_FSTAB = "LABEL=cloudimg-rootfs / ext4 discard,errors=remount-ro 0 1\n";

/** Stubs that keep the device's file system and the mount table in files under `state/`. */
const STUBS: Record<string, string> = {
    blkid: `#!/bin/bash
# blkid [-p] -s TYPE|UUID -o value <device>
want=""; dev=""
while [ $# -gt 0 ]; do case "$1" in -s) want=$2; shift 2;; -o) shift 2;; -p) shift;; *) dev=$1; shift;; esac; done
echo "blkid $want $dev" >>"$STATE/calls"
[ -f "$STATE/fs" ] || exit 2
if [ "$want" = TYPE ]; then cat "$STATE/fs"; else echo 3f0c1e9a-0000-4000-8000-00000000cafe; fi
`,
    "mkfs.ext4": `#!/bin/bash
echo "mkfs.ext4 $*" >>"$STATE/calls"
echo ext4 >"$STATE/fs"
`,
    mountpoint: `#!/bin/bash
[ "$1" = -q ] && shift
grep -qxF "$1" "$STATE/mounts" 2>/dev/null
`,
    mount: `#!/bin/bash
echo "mount $*" >>"$STATE/calls"
echo "$1" >>"$STATE/mounts"
`,
    systemctl: `#!/bin/bash
echo "systemctl $*" >>"$STATE/calls"
`,
    resize2fs: `#!/bin/bash
echo "resize2fs $*" >>"$STATE/calls"
`,
    umount: `#!/bin/bash
echo "umount $*" >>"$STATE/calls"
grep -vxF "$1" "$STATE/mounts" >"$STATE/mounts.new" || true
mv "$STATE/mounts.new" "$STATE/mounts"
`,
};

describe("host script: cache-volume.sh", function () {
    this.timeout(60_000);
    let dir: string;
    let env: NodeJS.ProcessEnv;
    let fstab: string;
    let mountPoint: string;

    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "bbod-cache-volume-"));
        const bin = path.join(dir, "bin");
        const state = path.join(dir, "state");
        const byId = path.join(dir, "by-id");
        for (const d of [bin, state, byId, path.join(dir, "dev")]) fs.mkdirSync(d);
        for (const [name, text] of Object.entries(STUBS)) fs.writeFileSync(path.join(bin, name), text, { mode: 0o755 });
        fs.writeFileSync(path.join(dir, "dev", "nvme1n1"), "");
        fstab = path.join(dir, "fstab");
        fs.writeFileSync(fstab, OTHER_FSTAB);
        mountPoint = path.join(dir, "mnt", "registry1-cache");
        env = {
            PATH: `${bin}:${process.env.PATH ?? "/usr/bin:/bin"}`, HOME: dir, STATE: state, SUDO: "",
            CACHE_VOLUME_FSTAB: fstab, CACHE_VOLUME_BY_ID: byId, CACHE_VOLUME_DEV: path.join(dir, "dev"), CACHE_VOLUME_WAIT: "1",
        };
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    const run = (args: string[]): Promise<ScriptRun> => runScriptFile(SCRIPT, args, env, { timeoutMs: 30_000 });
    const calls = (): string[] => {
        const file = path.join(dir, "state", "calls");
        return fs.existsSync(file) ? fs.readFileSync(file, "utf8").trim().split("\n") : [];
    };
    /** The NVMe device EC2 links by the volume ID without its dash. */
    const attachNvme = (): void => fs.symlinkSync(path.join(dir, "dev", "nvme1n1"), path.join(dir, "by-id", `nvme-Amazon_Elastic_Block_Store_${VOLUME.replace("-", "")}`));

    it("formats a blank volume found by its ID, mounts it by UUID with nofail, keeps the other fstab lines; a second run changes nothing", async () => {
        attachNvme();
        const first = await run(["mount", VOLUME, "/dev/sdf", mountPoint]);
        assert.equal(first.code, 0, first.stderr);
        const device = path.join(dir, "dev", "nvme1n1");
        assert.ok(calls().includes(`mkfs.ext4 -q -L bbod-r1cache ${device}`), calls().join("\n"));
        assert.equal(fs.readFileSync(fstab, "utf8"), `${OTHER_FSTAB}UUID=3f0c1e9a-0000-4000-8000-00000000cafe ${mountPoint} ext4 defaults,nofail,x-systemd.device-timeout=30s,x-systemd.before=docker.service 0 2\n`);
        assert.ok(calls().includes(`mount ${mountPoint}`));
        assert.ok(calls().includes(`resize2fs ${device}`), "grows the file system to a larger volume");
        assert.ok(fs.statSync(path.join(mountPoint, "data")).isDirectory());

        const before = calls().length;
        const fstabBefore = fs.readFileSync(fstab, "utf8");
        const second = await run(["mount", VOLUME, "/dev/sdf", mountPoint]);
        assert.equal(second.code, 0, second.stderr);
        const again = calls().slice(before);
        assert.ok(!again.some((c) => c.startsWith("mkfs") || c.startsWith("mount ")), again.join("\n"));
        assert.equal(fs.readFileSync(fstab, "utf8"), fstabBefore);
    });

    it("never formats a volume that has a file system (a kept cache on a new host)", async () => {
        attachNvme();
        fs.writeFileSync(path.join(dir, "state", "fs"), "ext4\n");
        const result = await run(["mount", VOLUME, "/dev/sdf", mountPoint]);
        assert.equal(result.code, 0, result.stderr);
        assert.ok(!calls().some((c) => c.startsWith("mkfs")), calls().join("\n"));
    });

    it("refuses a volume with another file system instead of formatting it", async () => {
        attachNvme();
        fs.writeFileSync(path.join(dir, "state", "fs"), "xfs\n");
        const result = await run(["mount", VOLUME, "/dev/sdf", mountPoint]);
        assert.equal(result.code, 1);
        assert.match(result.stderr, /holds a xfs file system, not the cache's ext4: refusing to format it/);
        assert.ok(!calls().some((c) => c.startsWith("mkfs") || c.startsWith("mount")), calls().join("\n"));
        assert.equal(fs.readFileSync(fstab, "utf8"), OTHER_FSTAB);
    });

    it("finds a Xen instance's device by its name (sdf -> xvdf)", async () => {
        fs.writeFileSync(path.join(dir, "dev", "xvdf"), "");
        const result = await run(["mount", VOLUME, "/dev/sdf", mountPoint]);
        assert.equal(result.code, 0, result.stderr);
        assert.ok(calls().includes(`mkfs.ext4 -q -L bbod-r1cache ${path.join(dir, "dev", "xvdf")}`), calls().join("\n"));
    });

    it("fails, bounded, naming the volume when it never appears", async () => {
        const result = await run(["mount", VOLUME, "/dev/sdf", mountPoint]);
        assert.equal(result.code, 1);
        assert.match(result.stderr, /vol-0123456789abcdef0 is not attached: neither .* appeared within 2 s/);
    });

    it("unmount drops the mount and its fstab line, and succeeds when there is nothing to undo", async () => {
        attachNvme();
        assert.equal((await run(["mount", VOLUME, "/dev/sdf", mountPoint])).code, 0);
        const first = await run(["unmount", mountPoint]);
        assert.equal(first.code, 0, first.stderr);
        assert.ok(calls().includes(`umount ${mountPoint}`));
        assert.equal(fs.readFileSync(fstab, "utf8"), OTHER_FSTAB);
        const before = calls().length;
        const second = await run(["unmount", mountPoint]);
        assert.equal(second.code, 0, second.stderr);
        assert.deepEqual(calls().slice(before), []);
    });
});
