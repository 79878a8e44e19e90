// Every API the broker implements, keyed by API key; ApiVersions advertises exactly these.
import { apiVersionsHandler } from './api-versions.js';
import { createTopics } from './create-topics.js';
import { describeGroups } from './describe-groups.js';
import { fetch } from './fetch.js';
import { findCoordinator } from './find-coordinator.js';
import { heartbeat } from './heartbeat.js';
import { initProducerId } from './init-producer-id.js';
import { joinGroup } from './join-group.js';
import { leaveGroup } from './leave-group.js';
import { listOffsets } from './list-offsets.js';
import { metadata } from './metadata.js';
import { offsetCommit } from './offset-commit.js';
import { offsetFetch } from './offset-fetch.js';
import { produce } from './produce.js';
import { saslAuthenticate } from './sasl-authenticate.js';
import { saslHandshake } from './sasl-handshake.js';
import { syncGroup } from './sync-group.js';
import type { ApiHandler } from './types.js';

const handlers: ApiHandler[] = [
  produce,
  fetch,
  listOffsets,
  metadata,
  offsetCommit,
  offsetFetch,
  findCoordinator,
  joinGroup,
  heartbeat,
  leaveGroup,
  syncGroup,
  describeGroups,
  createTopics,
  initProducerId,
  saslHandshake,
  saslAuthenticate,
];
handlers.push(apiVersionsHandler(() => handlers));

export const apis: ReadonlyMap<number, ApiHandler> = new Map(handlers.map((handler) => [handler.apiKey, handler]));
