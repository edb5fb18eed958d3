// Typed configs as the program sees them, built by the real parser so tests
// never drift from the documented defaults.
import { strict as assert } from "assert";
import { AwsHostConfig, ConfigError, parseStackConfig, RegistryConfig, RegistryTarget, StackConfig } from "../../components/config/config";

export function defaultStackConfig(overrides: Record<string, string> = {}): StackConfig {
    return parseStackConfig({ "bigbang-oci-dev:allowedCidrs": JSON.stringify(["203.0.113.7/32"]), ...overrides }, { userName: "jdoe" });
}

/** The aws host config of a stack (the default backend); throws for another backend. */
export function awsHost(config: StackConfig): AwsHostConfig {
    if (config.host.backend !== "aws") throw new Error(`expected host.backend aws, got ${config.host.backend}`);
    return config.host;
}

function isTarget<T extends RegistryTarget>(registry: RegistryConfig, target: T): registry is Extract<RegistryConfig, { target: T }> {
    return registry.target === target;
}

/** The registry config of a stack as the given target's variant; throws for another target. */
export function registryAs<T extends RegistryTarget>(config: StackConfig, target: T): Extract<RegistryConfig, { target: T }> {
    const registry = config.registry;
    if (!isTarget(registry, target)) throw new Error(`expected registry.target ${target}, got ${registry.target}`);
    return registry;
}

/** The problems parseStackConfig reports for a raw stack config (`bigbang-oci-dev:<key>` -> value); fails the test when it accepts it. */
export function configProblemsOf(raw: Record<string, string>): string[] {
    try {
        parseStackConfig(raw, { userName: "tester" });
    } catch (err) {
        assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
        return err.problems;
    }
    return assert.fail(`expected ${JSON.stringify(raw)} to be rejected`);
}
