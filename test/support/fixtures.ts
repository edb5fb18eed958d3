// Typed configs as the program sees them, built by the real parser so tests
// never drift from the documented defaults.
import { parseStackConfig, StackConfig } from "../../components/config/config";

export function defaultStackConfig(overrides: Record<string, string> = {}): StackConfig {
    return parseStackConfig({ "bigbang-oci-dev:allowedCidrs": JSON.stringify(["203.0.113.7/32"]), ...overrides }, { userName: "jdoe" });
}
