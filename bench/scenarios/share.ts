// Scenario 6: sharing with 1,000 accounts (AWS's sharing-entity quota per AMI): ModifyImageAttribute
// calls per region, with the source and 2 copy regions.
import { startEmulator } from '../../emulator/index.js'
import { assertSucceeded, runActionProcess } from '../lib/action.js'

export interface ShareRun {
  accounts: number
  modifyImageAttributeByRegion: Record<string, number>
  sharedWith: number
}

export async function runShareOnce(accounts: number): Promise<ShareRun> {
  const emu = await startEmulator({ timeScale: 0.01 })
  try {
    const [imageId] = (
      emu.seed({
        ec2: { images: [{ accountId: '111122223333', region: 'us-east-1', name: 'share-source' }] }
      }) as { ec2: { images: string[] } }
    ).ec2.images
    const ids = Array.from({ length: accounts }, (_, i) => String(200000000000 + i * 7919))
    const run = await runActionProcess({
      emulator: emu,
      inputs: {
        'ami-id': imageId,
        'share-accounts': ids.join('\n'),
        'copy-regions': 'eu-west-1,ap-southeast-2'
      },
      pollMs: 50,
      timeoutMs: 180_000
    })
    assertSucceeded(run, `sharing with ${accounts} accounts`)
    const byRegion: Record<string, number> = {}
    for (const c of emu.calls()) {
      if (c.action === 'ModifyImageAttribute') byRegion[c.region] = (byRegion[c.region] ?? 0) + 1
    }
    const sharedWith =
      (JSON.parse(run.outputs['shared-with'] ?? '{}') as { accounts?: string[] }).accounts
        ?.length ?? 0
    return { accounts, modifyImageAttributeByRegion: byRegion, sharedWith }
  } finally {
    await emu.close()
  }
}
