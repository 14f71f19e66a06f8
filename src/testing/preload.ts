/**
 * Loaded before every test file (bunfig.toml). Tests talk to real services; the addresses come
 * from the TEST_* variables that scripts/test.ts sets after starting them.
 */
import { readTestEnv } from "../env.ts";

readTestEnv();
