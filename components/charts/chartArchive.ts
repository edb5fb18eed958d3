// What is sent to the host for a chart push: one uncompressed tar of exactly the
// files `helm package` would keep (listChartFiles: .helmignore applied, VCS
// folders left out), written locally at a path named by the content hash.
//
// Why a single file and not the chart directory: pulumi-command's CopyToRemote
// copies a directory source to `<remotePath>/<basename(source)>`, one SFTP
// upload per file, .git included, and the engine hashes every file in the
// directory, so ignored files and git activity would change the copy. A file
// source lands at exactly `remotePath` when that path does not exist yet
// (pulumi/pulumi-command v1.2.1, provider/pkg/provider/remote/copyController.go,
// sftpCopy's table), and its identity is the file's bytes.
//
// Why these bytes never change for the same chart content: entries are sorted,
// and each carries only the path, a fixed mode (0755 when executable, else 0644;
// the same bit the content hash covers), the size and the bytes. Owner, group
// and mtime are zero. No compression, so no zlib version can change the bytes.
import * as fs from "fs";
import * as path from "path";
import { ChartError, ChartFileContents, ChartInfo, hashChartContents, readChartFiles } from "./chartSource";

const BLOCK = 512;

/** The ustar (POSIX.1-1988) archive of the files, in the order given; PAX records for paths ustar cannot hold. */
export function chartTar(files: readonly ChartFileContents[]): Buffer {
    const blocks: Buffer[] = [];
    for (const file of files) {
        const pathBytes = Buffer.from(file.relPath, "utf8");
        const split = ustarPathSplit(pathBytes);
        if (!split) {
            const record = paxRecord("path", file.relPath);
            blocks.push(header({ name: Buffer.from("PaxHeader"), mode: 0o644, size: record.length, type: "x" }), padded(record));
        }
        const { name, prefix } = split ?? { name: pathBytes.subarray(pathBytes.length - Math.min(pathBytes.length, 100)), prefix: Buffer.alloc(0) };
        blocks.push(header({ name, prefix, mode: file.executable ? 0o755 : 0o644, size: file.contents.length, type: "0" }), padded(file.contents));
    }
    blocks.push(Buffer.alloc(2 * BLOCK));
    return Buffer.concat(blocks);
}

/**
 * Read the chart's files, check they still hash to `chart.contentHash` (the
 * chart did not change since prepare read it), and write their tar to
 * `<dir>/<name>-<hash>.tar` unless it is already there, removing that chart's
 * older archives. Returns the path.
 */
export function writeChartArchive(chart: Pick<ChartInfo, "dir" | "name" | "contentHash">, dir: string): string {
    const files = readChartFiles(chart.dir);
    if (hashChartContents(files) !== chart.contentHash) {
        throw new ChartError(chart.dir, "changed while the program was reading it; run again");
    }
    const file = path.join(dir, chartArchiveName(chart));
    const bytes = chartTar(files);
    const existing = fs.existsSync(file) ? fs.readFileSync(file) : undefined;
    if (!existing?.equals(bytes)) {
        fs.mkdirSync(dir, { recursive: true });
        // Written beside and renamed, so a crash never leaves a short archive under the final name.
        const partial = `${file}.partial`;
        fs.writeFileSync(partial, bytes);
        fs.renameSync(partial, file);
    }
    // Earlier contents of this chart are no longer sources of any copy.
    const stale = new RegExp(`^${chart.name}-[0-9a-f]{12}\\.tar(\\.partial)?$`);
    for (const other of fs.readdirSync(dir)) {
        if (stale.test(other) && other !== path.basename(file)) fs.rmSync(path.join(dir, other), { force: true });
    }
    return file;
}

/**
 * Remove every chart archive in `dir` but the ones named in `keep` (issue 21): the archives of
 * charts no longer in the stack config are sources of no copy, and each holds a chart's files
 * (values with whatever the developer put in them). The folder itself goes when it ends up empty.
 * Only this program's file names are touched.
 */
export function pruneChartArchives(dir: string, keep: readonly string[]): void {
    let names: string[];
    try {
        names = fs.readdirSync(dir);
    } catch {
        return;
    }
    const kept = new Set(keep.map((file) => path.basename(file)));
    for (const name of names) {
        if (/^.+-[0-9a-f]{12}\.tar(\.partial)?$/.test(name) && !kept.has(name)) fs.rmSync(path.join(dir, name), { force: true });
    }
    if (fs.readdirSync(dir).length === 0) fs.rmdirSync(dir);
}

export function chartArchiveName(chart: Pick<ChartInfo, "name" | "contentHash">): string {
    return `${chart.name}-${chart.contentHash.slice(0, 12)}.tar`;
}

// ustar holds a path as prefix (155 bytes) + "/" + name (100 bytes).
function ustarPathSplit(bytes: Buffer): { name: Buffer; prefix: Buffer } | undefined {
    if (bytes.length <= 100) return { name: bytes, prefix: Buffer.alloc(0) };
    for (let i = bytes.length - 1; i > 0; i--) {
        if (bytes[i] !== 0x2f) continue;
        const prefix = bytes.subarray(0, i);
        const name = bytes.subarray(i + 1);
        if (prefix.length <= 155 && name.length <= 100 && name.length > 0) return { name, prefix };
    }
    return undefined;
}

// "<length> <key>=<value>\n", where the length counts its own digits.
function paxRecord(key: string, value: string): Buffer {
    const body = ` ${key}=${value}\n`;
    const bodyLength = Buffer.byteLength(body, "utf8");
    let length = bodyLength + 1;
    while (String(length).length + bodyLength !== length) length = String(length).length + bodyLength;
    return Buffer.from(`${length}${body}`, "utf8");
}

function header(h: { name: Buffer; prefix?: Buffer; mode: number; size: number; type: "0" | "x" }): Buffer {
    const block = Buffer.alloc(BLOCK);
    h.name.copy(block, 0);
    octal(block, 100, 8, h.mode);
    octal(block, 108, 8, 0);
    octal(block, 116, 8, 0);
    octal(block, 124, 12, h.size);
    octal(block, 136, 12, 0);
    block.write(h.type, 156, "ascii");
    block.write("ustar\0", 257, "ascii");
    block.write("00", 263, "ascii");
    h.prefix?.copy(block, 345);
    // The checksum is summed with its own field as eight spaces.
    block.fill(0x20, 148, 156);
    const sum = block.reduce((acc, byte) => acc + byte, 0);
    block.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "ascii");
    return block;
}

function octal(block: Buffer, offset: number, width: number, value: number): void {
    block.write(`${value.toString(8).padStart(width - 1, "0")}\0`, offset, "ascii");
}

function padded(bytes: Buffer): Buffer {
    const rest = bytes.length % BLOCK;
    return rest === 0 ? bytes : Buffer.concat([bytes, Buffer.alloc(BLOCK - rest)]);
}
