// Where the conformance tests find upstream reference files (k3d's schema, Big
// Bang's values, values schema and certificates): ../shared/reference/ beside
// the project when it exists, else .reference/ that `npm run fetch-reference`
// fills from pinned upstream URLs. `npm test` never reads either.
import * as fs from "fs";
import * as path from "path";

const PROJECT_ROOT = path.resolve(__dirname, "../..");

export const REFERENCE_CANDIDATES = [
    path.resolve(PROJECT_ROOT, "..", "shared", "reference"),
    path.resolve(PROJECT_ROOT, ".reference"),
];

/** The first candidate folder that exists, or an error that says how to get one. */
export function referenceDir(candidates: readonly string[] = REFERENCE_CANDIDATES): string {
    const found = candidates.find((dir) => fs.existsSync(dir) && fs.statSync(dir).isDirectory());
    if (!found) {
        throw new Error(`no reference folder: looked in ${candidates.join(" and ")}; run 'npm run fetch-reference' to download the pinned upstream files`);
    }
    return found;
}

/** The path of one reference file; fails naming the file and how to fetch it. */
export function referenceFile(name: string): string {
    const file = path.join(referenceDir(), name);
    if (!fs.existsSync(file)) {
        throw new Error(`reference file missing: ${file}; run 'npm run fetch-reference' to download the pinned upstream files`);
    }
    return file;
}
