// Where pulumi-command's CopyToRemote puts a source on the host, emulated on the
// local file system so tests can lay files out as the provider would and run
// the real host scripts against that layout.
//
// Upstream: pulumi/pulumi-command v1.2.1 (the version in package-lock.json),
// provider/pkg/provider/remote/copyController.go, function sftpCopy. Its rule:
//   - a directory source without a trailing '/' lands at <remotePath>/<basename(source)>,
//     whether or not remotePath exists (created with MkdirAll when it does not);
//   - a directory source with a trailing '/' is copied into remotePath itself
//     (the code's behaviour; the comment table there says dest/dir);
//   - a file source lands at remotePath when nothing is there (parents created),
//     overwrites remotePath when it is a file, and goes to <remotePath>/<basename>
//     when remotePath is a directory;
//   - a directory source onto an existing file is an error.
// Check (same file) accepts only path-based assets and path-based archives.
import * as fs from "fs";
import * as path from "path";

/** Copies `source` to `remotePath` as the provider would; returns where the source's contents landed. */
export function emulateCopyToRemote(source: string, remotePath: string): string {
    const srcStat = fs.statSync(source);
    const destStat = statOrUndefined(remotePath);
    if (srcStat.isDirectory()) {
        if (destStat && !destStat.isDirectory()) throw new Error(`remote path ${remotePath} exists but is not a directory`);
        if (!destStat) fs.mkdirSync(remotePath, { recursive: true });
        let dest = remotePath;
        if (!source.endsWith("/")) {
            dest = path.join(remotePath, path.basename(source));
            const inner = statOrUndefined(dest);
            if (inner && !inner.isDirectory()) throw new Error(`remote path ${dest} exists but is not a directory`);
            if (!inner) fs.mkdirSync(dest);
        }
        fs.cpSync(source, dest, { recursive: true });
        return dest;
    }
    let dest = remotePath;
    if (destStat?.isDirectory()) dest = path.join(remotePath, path.basename(source));
    else if (!destStat) fs.mkdirSync(path.dirname(remotePath), { recursive: true });
    fs.copyFileSync(source, dest);
    return dest;
}

function statOrUndefined(p: string): fs.Stats | undefined {
    try {
        return fs.statSync(p);
    } catch {
        return undefined;
    }
}
