// Shared test data for the report tests: a Config and Results for success, failure, dry run.
import { Parser, type Node } from 'commonmark'
import type { Config } from '../../src/config.js'
import type { FleetMember, PruneReport, Result } from '../../src/types.js'

export const BUILD = '111122223333'
export const OTHER = '444455556666'
export const XSS = '</details><img src=x onerror=alert(1)>'

export function config(overrides: Partial<Config> = {}): Config {
  return {
    source: { kind: 'automation', document: 'AWS-UpdateLinuxAmi', parameters: {} },
    region: 'us-east-1',
    amiName: 'golden-20261128',
    family: 'golden',
    tags: { team: 'platform', 'ami-share-action:family': 'golden' },
    ifExists: 'fail',
    share: {
      accounts: ['999988887777'],
      organizations: [],
      organizationalUnits: [],
      public: false,
      snapshots: false,
      mode: 'add'
    },
    copy: {
      regions: ['eu-west-1'],
      accounts: [{ roleArn: `arn:aws:iam::${OTHER}:role/copy`, accountId: OTHER }],
      regionKmsKeyIds: {}
    },
    deregistrationProtection: true,
    prune: { family: 'web', keep: 2, skipInUse: true, dryRun: false },
    timeoutMinutes: 120,
    dryRun: false,
    comment: { enabled: true, header: 'golden', token: 'ghs_test' },
    pollIntervalMs: 5000,
    ...overrides
  }
}

const shared = {
  accounts: ['999988887777', OTHER],
  organizations: [],
  organizationalUnits: [],
  public: false
}
const deprecateAt = new Date('2027-02-26T12:00:00Z')

function member(m: Partial<FleetMember> & Pick<FleetMember, 'accountId' | 'region'>): FleetMember {
  return {
    name: 'golden-20261128',
    role: 'copy',
    state: 'available',
    reused: false,
    snapshots: [],
    sharedWith: shared,
    deprecateAt,
    protected: true,
    ...m
  }
}

export function prune(overrides: Partial<PruneReport> = {}): PruneReport {
  return {
    dryRun: false,
    examined: [
      { accountId: BUILD, region: 'us-east-1' },
      { accountId: BUILD, region: 'eu-west-1' },
      { accountId: OTHER, region: 'us-east-1' },
      { accountId: OTHER, region: 'eu-west-1' }
    ],
    pruned: [
      {
        accountId: BUILD,
        region: 'us-east-1',
        imageId: 'ami-0000000000000old1',
        name: 'golden-20260101',
        creationDate: new Date('2026-01-01T00:00:00Z'),
        snapshots: [
          { id: 'snap-0old1', sizeGiB: 8, deleted: true },
          {
            id: 'snap-0shared',
            sizeGiB: 8,
            deleted: false,
            reason: 'used by ami-0000000000000old9'
          }
        ]
      },
      {
        accountId: OTHER,
        region: 'us-east-1',
        imageId: 'ami-0000000000000old2',
        name: 'golden-20260101',
        snapshots: [{ id: 'snap-0old2', sizeGiB: 8, deleted: true }]
      }
    ],
    skipped: [
      {
        accountId: BUILD,
        region: 'eu-west-1',
        imageId: 'ami-0000000000000old3',
        name: 'golden-20251201',
        reason: 'in use by instance i-0123456789abcdef0'
      }
    ],
    kept: [{ accountId: BUILD, region: 'us-east-1', imageId: 'ami-0123456789abcdef0' }],
    freedGiB: 16,
    keptGiB: 40,
    ...overrides
  }
}

export function success(): Result {
  return {
    image: {
      id: 'ami-0123456789abcdef0',
      name: 'golden-20261128',
      region: 'us-east-1',
      ownerId: BUILD,
      accountId: BUILD,
      snapshots: [{ id: 'snap-0aaa', sizeGiB: 8, encrypted: true }],
      source: 'automation',
      reused: false,
      buildMs: 754_000,
      execution: {
        id: 'exec-1234',
        document: 'AWS-UpdateLinuxAmi',
        status: 'Success',
        startTime: new Date('2026-11-28T10:00:00Z'),
        endTime: new Date('2026-11-28T10:12:34Z'),
        steps: [
          {
            name: 'launchInstance',
            action: 'aws:runInstances',
            status: 'Success',
            startTime: new Date('2026-11-28T10:00:00Z'),
            endTime: new Date('2026-11-28T10:01:05Z')
          },
          { name: 'createImage', action: 'aws:createImage', status: 'Success' }
        ]
      }
    },
    fleet: {
      members: [
        member({
          accountId: BUILD,
          region: 'eu-west-1',
          imageId: 'ami-0eeeeeeeeeeeeeee1',
          durationMs: 300_000,
          snapshots: [{ id: 'snap-0eu1', sizeGiB: 8, encrypted: true }]
        }),
        member({
          accountId: BUILD,
          region: 'us-east-1',
          imageId: 'ami-0123456789abcdef0',
          role: 'source',
          snapshots: [{ id: 'snap-0aaa', sizeGiB: 8, encrypted: true }]
        }),
        member({
          accountId: OTHER,
          region: 'us-east-1',
          imageId: 'ami-0fffffffffffffff1',
          durationMs: 200_000,
          snapshots: [{ id: 'snap-0o1', sizeGiB: 8, encrypted: true }]
        }),
        member({
          accountId: OTHER,
          region: 'eu-west-1',
          imageId: 'ami-0fffffffffffffff2',
          durationMs: 420_000,
          snapshots: [{ id: 'snap-0o2', sizeGiB: 8, encrypted: true }]
        })
      ]
    },
    prune: prune(),
    warnings: [],
    startedAt: new Date('2026-11-28T10:00:00Z'),
    finishedAt: new Date('2026-11-28T10:25:00Z')
  }
}

export const RUN_ENV = {
  GITHUB_SERVER_URL: 'https://github.com',
  GITHUB_REPOSITORY: 'octo/images',
  GITHUB_RUN_ID: '4242'
}

/** Raw HTML nodes in the document (CommonMark core: html_block and html_inline). */
export function rawHtml(markdown: string): string[] {
  const found: string[] = []
  const walker = new Parser().parse(markdown).walker()
  for (let event = walker.next(); event; event = walker.next()) {
    const node: Node = event.node
    if (event.entering && (node.type === 'html_block' || node.type === 'html_inline')) {
      found.push((node.literal ?? '').trim())
    }
  }
  return found
}

/**
 * Every GFM table in the document as rows of cells. CommonMark core has no tables, so a GFM
 * table parses as one paragraph: we take the paragraphs whose first line starts with `|`, read
 * their source lines by sourcepos, and apply GFM's rules (cells split on unescaped `|`, a
 * delimiter row of dashes, every row as wide as the header). Whatever broke the table into
 * other blocks (a raw newline, an HTML block) would show up as a short or missing table.
 */
export function tables(markdown: string): { headers: string[]; rows: string[][] }[] {
  const lines = markdown.split('\n')
  const found: { headers: string[]; rows: string[][] }[] = []
  const walker = new Parser().parse(markdown).walker()
  for (let event = walker.next(); event; event = walker.next()) {
    const node = event.node
    if (!event.entering || node.type !== 'paragraph') continue
    const [[startLine], [endLine]] = node.sourcepos
    const source = lines.slice(startLine - 1, endLine)
    if (!source[0].startsWith('|')) continue
    const split = (line: string): string[] => {
      if (!line.startsWith('|') || !line.endsWith('|')) throw new Error(`not a table row: ${line}`)
      return line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((c) => c.trim())
    }
    const [header, delimiter, ...body] = source.map(split)
    if (!delimiter || !delimiter.every((c) => /^:?-+:?$/.test(c))) {
      throw new Error(`table without delimiter row: ${source.join('\n')}`)
    }
    for (const row of [delimiter, ...body]) {
      if (row.length !== header.length) {
        throw new Error(`row has ${row.length} cells, header ${header.length}: ${row.join(' | ')}`)
      }
    }
    found.push({ headers: header, rows: body })
  }
  return found
}
