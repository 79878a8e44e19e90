// Consumer groups: the rebalance state machine (Empty -> PreparingRebalance -> CompletingRebalance ->
// Stable), session expiry, and committed offsets. Member metadata and assignments are opaque bytes;
// the leader's client computes assignments, the coordinator only relays them.
import { randomUUID } from 'node:crypto';
import { ErrorCode } from './error-codes.js';

export type GroupStateName = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable';

export interface GroupProtocol {
  readonly name: string;
  readonly metadata: Buffer;
}

export interface JoinRequest {
  readonly groupId: string;
  readonly memberId: string;
  readonly clientId: string;
  readonly clientHost: string;
  readonly sessionTimeout: number;
  readonly rebalanceTimeout: number;
  readonly protocolType: string;
  readonly protocols: readonly GroupProtocol[];
}

export interface JoinResult {
  readonly errorCode: number;
  readonly generationId: number;
  readonly protocol: string;
  readonly leaderId: string;
  readonly memberId: string;
  /** Every member's metadata for the chosen protocol: the leader's reply only, else empty. */
  readonly members: readonly { memberId: string; metadata: Buffer }[];
}

export interface SyncResult {
  readonly errorCode: number;
  /** Never null: zero-length bytes for a member with nothing assigned. */
  readonly assignment: Buffer;
}

export interface MemberSnapshot {
  readonly memberId: string;
  readonly clientId: string;
  readonly clientHost: string;
  readonly metadata: Buffer;
  readonly assignment: Buffer;
}

export interface GroupSnapshot {
  readonly groupId: string;
  readonly state: GroupStateName;
  readonly generation: number;
  readonly protocolType: string;
  readonly protocol: string;
  readonly leaderId: string | null;
  readonly members: readonly MemberSnapshot[];
}

export interface CommittedOffset {
  readonly offset: number;
  readonly metadata: string | null;
}

export interface CoordinatorOptions {
  /** How long the first JoinGroup into an empty group waits for others. */
  readonly initialRebalanceDelayMs: number;
  /** Caps every member's session timeout (so tests expire members sooner). */
  readonly sessionTimeoutCap?: number;
}

interface Member {
  readonly id: string;
  clientId: string;
  clientHost: string;
  sessionTimeout: number;
  rebalanceTimeout: number;
  protocols: readonly GroupProtocol[];
  assignment: Buffer;
  lastSeen: number;
  pendingJoin?: ((result: JoinResult) => void) | undefined;
  pendingSync?: ((result: SyncResult) => void) | undefined;
}

interface Group {
  readonly id: string;
  state: GroupStateName;
  generation: number;
  protocolType: string;
  protocol: string;
  leaderId: string | null;
  readonly members: Map<string, Member>;
  readonly offsets: Map<string, CommittedOffset>;
  delayUntil: number;
  timers: NodeJS.Timeout[];
}

const EMPTY = Buffer.alloc(0);
const SWEEP_INTERVAL_MS = 25;

function joinError(errorCode: number, memberId = ''): JoinResult {
  return { errorCode, generationId: -1, protocol: '', leaderId: '', memberId, members: [] };
}

function offsetKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

export class GroupCoordinator {
  private readonly groups = new Map<string, Group>();
  private sweeper: NodeJS.Timeout | undefined;

  constructor(private readonly options: CoordinatorOptions) {}

  /** Starts session expiry; every member's session starts afresh (as after a coordinator load). */
  start(): void {
    const now = Date.now();
    for (const group of this.groups.values()) for (const member of group.members.values()) member.lastSeen = now;
    this.sweeper ??= setInterval(() => this.expireSessions(), SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }

  /** Stops session expiry (the broker is down); groups and offsets stay. */
  stop(): void {
    clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  /** Stops everything for good. */
  close(): void {
    this.stop();
    for (const group of this.groups.values()) this.clearTimers(group);
  }

  join(request: JoinRequest, signal: AbortSignal): Promise<JoinResult> {
    const group = this.group(request.groupId);
    if (request.protocols.length === 0 || (group.members.size > 0 && group.protocolType !== request.protocolType)) {
      return Promise.resolve(joinError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, request.memberId));
    }
    if (request.sessionTimeout <= 0) return Promise.resolve(joinError(ErrorCode.INVALID_SESSION_TIMEOUT));
    let member: Member | undefined;
    if (request.memberId === '') {
      member = {
        id: `${request.clientId || 'member'}-${randomUUID()}`,
        clientId: request.clientId,
        clientHost: request.clientHost,
        sessionTimeout: 0,
        rebalanceTimeout: 0,
        protocols: [],
        assignment: EMPTY,
        lastSeen: 0,
      };
      group.members.set(member.id, member);
    } else {
      member = group.members.get(request.memberId);
      if (member === undefined) return Promise.resolve(joinError(ErrorCode.UNKNOWN_MEMBER_ID, request.memberId));
    }
    const joining = member;
    const cap = this.options.sessionTimeoutCap;
    joining.clientId = request.clientId;
    joining.clientHost = request.clientHost;
    joining.sessionTimeout = cap === undefined ? request.sessionTimeout : Math.min(cap, request.sessionTimeout);
    joining.rebalanceTimeout = Math.max(request.rebalanceTimeout, joining.sessionTimeout);
    joining.protocols = request.protocols;
    joining.lastSeen = Date.now();
    group.protocolType = request.protocolType;
    return new Promise<JoinResult>((resolve) => {
      joining.pendingJoin?.(joinError(ErrorCode.REBALANCE_IN_PROGRESS, joining.id));
      joining.pendingJoin = resolve;
      signal.addEventListener('abort', () => {
        if (joining.pendingJoin === resolve) joining.pendingJoin = undefined;
      });
      if (group.state !== 'PreparingRebalance') this.prepareRebalance(group);
      this.maybeCompleteJoin(group);
    });
  }

  sync(
    request: { groupId: string; generationId: number; memberId: string; assignments: readonly { memberId: string; assignment: Buffer }[] },
    signal: AbortSignal,
  ): Promise<SyncResult> {
    const group = this.groups.get(request.groupId);
    const member = group?.members.get(request.memberId);
    if (group === undefined || member === undefined) return Promise.resolve({ errorCode: ErrorCode.UNKNOWN_MEMBER_ID, assignment: EMPTY });
    if (request.generationId !== group.generation) return Promise.resolve({ errorCode: ErrorCode.ILLEGAL_GENERATION, assignment: EMPTY });
    member.lastSeen = Date.now();
    if (group.state === 'Stable') return Promise.resolve({ errorCode: ErrorCode.NONE, assignment: member.assignment });
    if (group.state !== 'CompletingRebalance') return Promise.resolve({ errorCode: ErrorCode.REBALANCE_IN_PROGRESS, assignment: EMPTY });
    return new Promise<SyncResult>((resolve) => {
      member.pendingSync = resolve;
      signal.addEventListener('abort', () => {
        if (member.pendingSync === resolve) member.pendingSync = undefined;
      });
      if (member.id !== group.leaderId) return;
      for (const { memberId, assignment } of request.assignments) {
        const target = group.members.get(memberId);
        if (target !== undefined) target.assignment = Buffer.from(assignment);
      }
      group.state = 'Stable';
      for (const waiting of group.members.values()) {
        const reply = waiting.pendingSync;
        waiting.pendingSync = undefined;
        reply?.({ errorCode: ErrorCode.NONE, assignment: waiting.assignment });
      }
    });
  }

  heartbeat(groupId: string, generationId: number, memberId: string): number {
    const found = this.member(groupId, generationId, memberId);
    if (typeof found === 'number') return found;
    found.member.lastSeen = Date.now();
    return found.group.state === 'PreparingRebalance' ? ErrorCode.REBALANCE_IN_PROGRESS : ErrorCode.NONE;
  }

  leave(groupId: string, memberId: string): number {
    const group = this.groups.get(groupId);
    const member = group?.members.get(memberId);
    if (group === undefined || member === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    this.removeMember(group, member);
    return ErrorCode.NONE;
  }

  /** Checks a commit; on NONE the caller stores offsets with storeOffset(). */
  checkCommit(groupId: string, generationId: number, memberId: string): number {
    const group = this.group(groupId);
    if (generationId < 0 && memberId === '') {
      return group.members.size === 0 ? ErrorCode.NONE : ErrorCode.UNKNOWN_MEMBER_ID;
    }
    const found = this.member(groupId, generationId, memberId);
    if (typeof found === 'number') return found;
    found.member.lastSeen = Date.now();
    return group.state === 'Stable' ? ErrorCode.NONE : ErrorCode.REBALANCE_IN_PROGRESS;
  }

  storeOffset(groupId: string, topic: string, partition: number, committed: CommittedOffset): void {
    this.group(groupId).offsets.set(offsetKey(topic, partition), committed);
  }

  committed(groupId: string, topic: string, partition: number): CommittedOffset | undefined {
    return this.groups.get(groupId)?.offsets.get(offsetKey(topic, partition));
  }

  /** Every committed (topic, partition) of the group. */
  committedPartitions(groupId: string): { topic: string; partition: number }[] {
    const keys = [...(this.groups.get(groupId)?.offsets.keys() ?? [])];
    return keys.map((key) => {
      const [topic = '', partition = '0'] = key.split('\u0000');
      return { topic, partition: Number(partition) };
    });
  }

  describe(groupId: string): GroupSnapshot | undefined {
    const group = this.groups.get(groupId);
    if (group === undefined) return undefined;
    return {
      groupId,
      state: group.state,
      generation: group.generation,
      protocolType: group.protocolType,
      protocol: group.protocol,
      leaderId: group.leaderId,
      members: [...group.members.values()].map((member) => ({
        memberId: member.id,
        clientId: member.clientId,
        clientHost: member.clientHost,
        metadata: member.protocols.find((p) => p.name === group.protocol)?.metadata ?? EMPTY,
        assignment: member.assignment,
      })),
    };
  }

  private group(groupId: string): Group {
    let group = this.groups.get(groupId);
    if (group === undefined) {
      group = {
        id: groupId,
        state: 'Empty',
        generation: 0,
        protocolType: '',
        protocol: '',
        leaderId: null,
        members: new Map(),
        offsets: new Map(),
        delayUntil: 0,
        timers: [],
      };
      this.groups.set(groupId, group);
    }
    return group;
  }

  private member(groupId: string, generationId: number, memberId: string): { group: Group; member: Member } | number {
    const group = this.groups.get(groupId);
    const member = group?.members.get(memberId);
    if (group === undefined || member === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (generationId !== group.generation) return ErrorCode.ILLEGAL_GENERATION;
    return { group, member };
  }

  private prepareRebalance(group: Group): void {
    const initial = group.state === 'Empty';
    group.state = 'PreparingRebalance';
    this.clearTimers(group);
    for (const member of group.members.values()) {
      const reply = member.pendingSync;
      member.pendingSync = undefined;
      reply?.({ errorCode: ErrorCode.REBALANCE_IN_PROGRESS, assignment: EMPTY });
    }
    const now = Date.now();
    const rebalanceTimeout = Math.max(0, ...[...group.members.values()].map((m) => m.rebalanceTimeout));
    group.delayUntil = initial ? now + this.options.initialRebalanceDelayMs : 0;
    group.timers.push(setTimeout(() => this.completeJoin(group), rebalanceTimeout));
    if (!initial) return;
    group.timers.push(
      setTimeout(() => {
        group.delayUntil = 0;
        this.maybeCompleteJoin(group);
      }, this.options.initialRebalanceDelayMs),
    );
  }

  private maybeCompleteJoin(group: Group): void {
    if (group.state !== 'PreparingRebalance' || Date.now() < group.delayUntil) return;
    for (const member of group.members.values()) if (member.pendingJoin === undefined) return;
    this.completeJoin(group);
  }

  /** Ends the join phase: members that did not rejoin are dropped, the rest get the new generation. */
  private completeJoin(group: Group): void {
    if (group.state !== 'PreparingRebalance') return;
    this.clearTimers(group);
    for (const member of [...group.members.values()]) {
      if (member.pendingJoin === undefined) group.members.delete(member.id);
    }
    group.generation += 1;
    const members = [...group.members.values()];
    if (members.length === 0) {
      group.state = 'Empty';
      group.protocol = '';
      group.leaderId = null;
      return;
    }
    if (group.leaderId === null || !group.members.has(group.leaderId)) group.leaderId = members[0]!.id;
    const leader = group.members.get(group.leaderId)!;
    const shared = leader.protocols.find((p) => members.every((m) => m.protocols.some((q) => q.name === p.name)));
    group.protocol = (shared ?? leader.protocols[0])?.name ?? '';
    group.state = 'CompletingRebalance';
    const now = Date.now();
    const memberList = members.map((m) => ({
      memberId: m.id,
      metadata: m.protocols.find((p) => p.name === group.protocol)?.metadata ?? EMPTY,
    }));
    for (const member of members) {
      member.assignment = EMPTY;
      member.lastSeen = now;
      const reply = member.pendingJoin;
      member.pendingJoin = undefined;
      reply?.({
        errorCode: ErrorCode.NONE,
        generationId: group.generation,
        protocol: group.protocol,
        leaderId: group.leaderId,
        memberId: member.id,
        members: member.id === group.leaderId ? memberList : [],
      });
    }
  }

  private removeMember(group: Group, member: Member): void {
    group.members.delete(member.id);
    if (group.leaderId === member.id) group.leaderId = null;
    member.pendingJoin?.(joinError(ErrorCode.UNKNOWN_MEMBER_ID, member.id));
    member.pendingSync?.({ errorCode: ErrorCode.UNKNOWN_MEMBER_ID, assignment: EMPTY });
    member.pendingJoin = undefined;
    member.pendingSync = undefined;
    if (group.state === 'Stable' || group.state === 'CompletingRebalance') this.prepareRebalance(group);
    this.maybeCompleteJoin(group);
  }

  /** Drops members silent for longer than their session timeout (not those waiting in JoinGroup). */
  private expireSessions(): void {
    const now = Date.now();
    for (const group of this.groups.values()) {
      for (const member of [...group.members.values()]) {
        if (member.pendingJoin === undefined && now - member.lastSeen > member.sessionTimeout) {
          this.removeMember(group, member);
        }
      }
    }
  }

  private clearTimers(group: Group): void {
    for (const timer of group.timers) clearTimeout(timer);
    group.timers = [];
  }
}
