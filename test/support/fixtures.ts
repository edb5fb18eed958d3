// Typed configs as the program sees them, built by the real parser so tests
// never drift from the documented defaults.
import { AwsHostConfig, parseStackConfig, StackConfig } from "../../components/config/config";

export function defaultStackConfig(overrides: Record<string, string> = {}): StackConfig {
    return parseStackConfig({ "bigbang-oci-dev:allowedCidrs": JSON.stringify(["203.0.113.7/32"]), ...overrides }, { userName: "jdoe" });
}

/** The aws host config of a stack (the default backend); throws for another backend. */
export function awsHost(config: StackConfig): AwsHostConfig {
    if (config.host.backend !== "aws") throw new Error(`expected host.backend aws, got ${config.host.backend}`);
    return config.host;
}
