// The import rules of DESIGN.md, read from the source (spec/support/import-rules.ts): runtime/
// imports only itself; actors/ import runtime/ and other actors' events.ts and *-math.ts; adapters/
// import runtime/ports, runtime/events, runtime/kit, actors' events.ts and adapters/shared; only
// app/ wires adapters. Every import of the source tree obeys them, without exceptions.
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { importViolations, wallClockReads } from './support/import-rules.js';

describe('architecture: the import rules', () => {
  it('holds for every import in the source tree', () => {
    const found = importViolations(process.cwd()).map((v) => `${v.file} -> ${v.imports} (${v.rule})`);
    expect(found, 'imports that break a rule').to.deep.equal([]);
  });

  describe('on a scratch tree', () => {
    let root: string;
    const write = (path: string, text: string) => {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    };
    beforeEach(() => {
      root = mkdtempSync(join(tmpdir(), 'regent-arch-'));
      write('runtime/ports/event-log.ts', 'export interface EventLog {}\n');
      write('actors/risk/events.ts', 'export const RiskAlert = 1;\n');
      write('actors/risk/risk-math.ts', 'export const var95 = 1;\n');
      write('adapters/state/memory.ts', "import type { EventLog } from '../../runtime/ports/event-log.js';\n");
      write('app/compose.ts', "import { MemoryStateStore } from '../adapters/state/memory.js';\n");
    });
    afterEach(() => rmSync(root, { recursive: true, force: true }));

    it('finds nothing where every import is allowed', () => {
      write('actors/trading/agent.ts', "import { RiskAlert } from '../risk/events.js';\nimport { var95 } from '../risk/risk-math.js';\n");
      expect(importViolations(root)).to.deep.equal([]);
    });

    it('fails the kernel importing an adapter, an actor or the application', () => {
      write('runtime/runtime.ts', "import { MemoryStateStore } from '../adapters/state/memory.js';\nexport { x } from '../actors/risk/events.js';\nconst y = await import('../app/compose.js');\n");
      expect(importViolations(root)).to.deep.equal([
        { file: 'runtime/runtime', imports: 'adapters/state/memory', rule: 'runtime/ imports only itself' },
        { file: 'runtime/runtime', imports: 'actors/risk/events', rule: 'runtime/ imports only itself' },
        { file: 'runtime/runtime', imports: 'app/compose', rule: 'runtime/ imports only itself' },
      ]);
    });

    it("fails an actor importing an adapter or another actor's agent, and an adapter importing the kernel's insides", () => {
      write('actors/risk/agent.ts', "import { MemoryStateStore } from '../../adapters/state/memory.js';\n");
      write('actors/trading/agent.ts', "import { riskAgent } from '../risk/agent.js';\n");
      write('adapters/state/redis.ts', "import { Router } from '../../runtime/intake/router.js';\nimport { x } from '../eventlog/kafka.js';\n");
      expect(importViolations(root).map((v) => `${v.file} -> ${v.imports}`)).to.have.members([
        'actors/risk/agent -> adapters/state/memory',
        'actors/trading/agent -> actors/risk/agent',
        'adapters/state/redis -> runtime/intake/router',
        'adapters/state/redis -> adapters/eventlog/kafka',
      ]);
    });
  });
});

describe('architecture: the kernel reads time only through its Clock port', () => {
  const CLOCK_PORT = ['runtime/ports/clock'];

  it('holds for every file of runtime/', () => {
    expect(wallClockReads(process.cwd(), CLOCK_PORT)).to.deep.equal([]);
  });

  it('finds a wall-clock read on a scratch tree, but none in a comment or in the port', () => {
    const root = mkdtempSync(join(tmpdir(), 'regent-clock-'));
    try {
      const write = (path: string, text: string) => {
        mkdirSync(dirname(join(root, path)), { recursive: true });
        writeFileSync(join(root, path), text);
      };
      write('runtime/ports/clock.ts', 'export const systemClock = { now: () => Date.now() };\n');
      write('runtime/cells/cell.ts', '// Date.now() is not read here\nexport const at = () => Date.now();\nexport const took = performance.now();\n');
      expect(wallClockReads(root, CLOCK_PORT)).to.deep.equal([
        { file: 'runtime/cells/cell', line: 2 },
        { file: 'runtime/cells/cell', line: 3 },
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
