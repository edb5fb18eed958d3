import { strict as assert } from "assert";
import { registrySettings } from "../components/registrySettings";
describe("smoke", () => { it("runs", () => assert.equal(registrySettings({hostname:"a.b",port:5000,authEnabled:false}).readyStatus, 200)); });
