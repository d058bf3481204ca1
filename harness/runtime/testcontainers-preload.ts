// `node --import` this before a program that loads testcontainers (benchmarks): it must see the
// lab's settings in the environment when its modules load.
import { configureTestcontainers } from "./testcontainers-env.ts";

configureTestcontainers();
