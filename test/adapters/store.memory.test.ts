/** The table's contracts on the in-memory twin, MemoryStore (one object, every port). */
import { MemoryStore } from "../../functions/adapters/memory-store.js";
import { ledgerContract } from "./ledger.contract.js";
import { limitsContract } from "./limits.contract.js";
import { rosterContract } from "./roster.contract.js";
import { statsContract } from "./stats.contract.js";
import { subscribersContract } from "./subscribers.contract.js";

const memory = async () => {
  const store = new MemoryStore(4);
  return {
    subscribers: store,
    ledger: store,
    limits: store,
    stats: store,
    roster: store,
    clicks: store,
  };
};

subscribersContract("MemoryStore", memory);
ledgerContract("MemoryStore", memory);
limitsContract("MemoryStore", memory);
statsContract("MemoryStore", memory);
rosterContract("MemoryStore", memory);
