// Issue #13 pieces that stand alone: the log guard, comment neutralisation, the young-version
// prune guard, gone-image detection, and error stamping with call/account/region.
import { beforeEach, describe, expect, it } from '@jest/globals'
import { DescribeImagesCommand, EC2Client } from '@aws-sdk/client-ec2'
import { mockClient } from 'aws-sdk-client-mock'
import { callOf, describeError, ImageFailedError, stampErrors } from '../../src/aws/errors.js'
import { parseMap } from '../../src/config/values.js'
import { tags as checkTags } from '../../src/config/aws-ids.js'
import { waitForImage } from '../../src/image/wait.js'
import { looksLikeCommand, safeLog } from '../../src/log.js'
import { selectVersions, type Candidate } from '../../src/prune/select.js'
import { quiet } from '../../src/report/comment.js'
import { awsError, makeContext, REGION } from './source-context.js'

const ec2Mock = mockClient(EC2Client)
beforeEach(() => {
  ec2Mock.reset()
})

describe('safeLog', () => {
  it('leaves plain text alone and fences command-like text with a fresh token', () => {
    expect(safeLog('Tagged ami-1 with team')).toBe('Tagged ami-1 with team')
    const fenced = safeLog('x\n  ::error::pwned', () => 'T')
    expect(fenced).toBe(
      '::stop-commands::ami-share-action-T\nx\n  ::error::pwned\n::ami-share-action-T::'
    )
    expect(looksLikeCommand('a ##[set-output name=x]y')).toBe(true)
    expect(looksLikeCommand('a :: b')).toBe(false)
  })
})

describe('quiet (PR comment)', () => {
  it('breaks mentions and issue references, keeps entities, emails and code blocks', () => {
    expect(quiet('@octocat &#35;12 #7 GH-4 a@b.com &#124;')).toBe(
      '@&#8203;octocat &#35;&#8203;12 #&#8203;7 GH&#8203;-4 a@b.com &#124;'
    )
    expect(quiet('```text\n@octocat #1\n```')).toBe('```text\n@octocat #1\n```')
  })
})

describe('tags', () => {
  it('keeps __proto__ as an ordinary key and counts characters, not UTF-16 units', () => {
    const map = parseMap('tags', '{"__proto__": "x", "constructor": "y"}', false)
    expect(Object.entries(map)).toEqual([
      ['__proto__', 'x'],
      ['constructor', 'y']
    ])
    expect(Object.entries(parseMap('tags', '__proto__=z', false))).toEqual([['__proto__', 'z']])
    expect(() => checkTags('tags', { k: '🚀'.repeat(256) })).not.toThrow()
    expect(() => checkTags('tags', { k: '🚀'.repeat(257) })).toThrow(/has 257 characters/)
  })
})

describe('selectVersions minAgeMs', () => {
  it('skips versions younger than minAgeMs, prunes older ones', () => {
    const now = new Date('2026-12-01T12:00:00Z')
    const version = (id: string, minutesAgo: number): Candidate => ({
      accountId: '1',
      region: 'r',
      imageId: id,
      name: id,
      ownerId: '1',
      state: 'available',
      creationDate: new Date(now.getTime() - minutesAgo * 60_000),
      tags: { 'ami-share-action:family': 'web' },
      snapshots: []
    })
    const decisions = selectVersions(
      [version('new', 1), version('young', 30), version('old', 600)],
      {
        family: 'web',
        keep: 1,
        skipInUse: false,
        now,
        thisRun: new Set(['new']),
        minAgeMs: 60 * 60_000
      }
    )
    const verdict = Object.fromEntries(decisions.map((d) => [d.candidate.imageId, d.verdict]))
    expect(verdict).toEqual({ new: 'keep', young: 'skip', old: 'prune' })
  })
})

describe('waitForImage', () => {
  it('an image seen once, then unknown on two polls, is reported deregistered', async () => {
    const t = makeContext()
    const AMI = 'ami-0123456789abcdef0'
    ec2Mock
      .on(DescribeImagesCommand)
      .resolvesOnce({ Images: [{ ImageId: AMI, State: 'pending' }] })
      .rejects(awsError('InvalidAMIID.NotFound', 'gone'))
    const error = await waitForImage(t.ctx, new EC2Client({ region: REGION }), AMI, {
      timeoutMs: 3_600_000,
      label: AMI
    }).catch((e) => e)
    expect(error).toBeInstanceOf(ImageFailedError)
    expect(error.message).toMatch(/state deregistered .*disappeared while this run waited/)
    expect(ec2Mock.commandCalls(DescribeImagesCommand)).toHaveLength(3)
  })
})

describe('stampErrors', () => {
  it('names the call, account and region of a failed SDK call, a connection reset included', async () => {
    ec2Mock.restore() // the real middleware stack, with a network that resets every connection
    const client = stampErrors(
      new EC2Client({
        region: 'eu-west-1',
        maxAttempts: 1,
        credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'x' },
        requestHandler: {
          handle: async () => {
            throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })
          }
        }
      }),
      'eu-west-1',
      async () => '111122223333'
    )
    const error = await client.send(new DescribeImagesCommand({})).catch((e) => e)
    expect(callOf(error)).toEqual({
      call: 'DescribeImages',
      region: 'eu-west-1',
      account: '111122223333'
    })
    expect(describeError(error)).toMatch(
      /socket hang up \(DescribeImages in account 111122223333, eu-west-1\)$/
    )
  })
})
