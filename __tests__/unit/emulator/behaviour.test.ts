// The image behaviour model: what a Run Command script does on an emulated instance.
import { describe, expect, it } from '@jest/globals'
import { runScript, type ImageBehaviour } from '../../../emulator/services/ec2/behaviour.js'

const web: ImageBehaviour = { serves: { '/': '<h1>Hello from my custom AMI!</h1>\n' } }
const sh = (b: ImageBehaviour, ...lines: string[]) => runScript(b, lines, 'sh')

describe('shell scripts against the behaviour model', () => {
  it('curl | grep -q passes only when the page is served and contains the text', () => {
    const check = 'curl -fsS http://localhost/ | grep -q "Hello from my custom AMI!"'
    expect(sh(web, check).exitCode).toBe(0)
    expect(sh({ serves: { '/': 'It works!' } }, check).exitCode).toBe(1)
    const down = sh({}, check)
    expect(down.exitCode).toBe(1)
    expect(down.stderr).toContain('curl: (7) Failed to connect to localhost port 80')
  })

  it('curl exit codes follow curl: 22 for an HTTP error with -f, 6 for a host it cannot resolve', () => {
    expect(sh(web, 'curl -f http://127.0.0.1/missing')).toMatchObject({ exitCode: 22 })
    expect(sh(web, 'curl -s http://localhost/missing').exitCode).toBe(0)
    expect(sh(web, 'curl -fsS http://example.com/').exitCode).toBe(6)
    expect(sh(web, 'curl -s http://localhost/').stdout).toContain('Hello from my custom AMI!')
  })

  it('the exit code is the last command’s, unless set -e stops at the first failure', () => {
    expect(sh(web, 'false', 'echo done')).toMatchObject({ exitCode: 0, stdout: 'done\n' })
    expect(sh(web, 'set -euo pipefail', 'false', 'echo done')).toMatchObject({
      exitCode: 1,
      stdout: ''
    })
    expect(sh(web, 'echo a; exit 3', 'echo never')).toMatchObject({ exitCode: 3, stdout: 'a\n' })
    expect(sh(web, 'false && echo yes || echo no').stdout).toBe('no\n')
  })

  it('seeded rules answer first; unknown commands fail like a missing program', () => {
    const b: ImageBehaviour = {
      commands: [{ match: '^systemctl is-active nginx$', stdout: 'active\n', durationMs: 500 }]
    }
    expect(sh(b, 'systemctl is-active nginx')).toMatchObject({ exitCode: 0, stdout: 'active\n' })
    const unknown = sh(b, 'yum install -y nginx')
    expect(unknown.exitCode).toBe(127)
    expect(unknown.stderr).toContain('yum: command not found')
    expect(sh({ unknownCommand: { exitCode: 0 } }, 'yum install -y nginx').exitCode).toBe(0)
    expect(sh(b, 'sleep 30', 'systemctl is-active nginx').durationMs).toBe(2000 + 30_000 + 500)
  })

  it('systemctl is-active, files (cat, test, [ ], grep FILE) and wget', () => {
    const b: ImageBehaviour = {
      services: { nginx: 'active', 'amazon-ssm-agent': 'active', crond: 'failed' },
      files: { '/etc/motd': 'golden\n', '/var/www/html/index.html': 'Hello\n' },
      serves: { '/': 'Hello' }
    }
    expect(sh(b, 'systemctl is-active nginx')).toMatchObject({ exitCode: 0, stdout: 'active\n' })
    expect(sh(b, 'systemctl is-active --quiet nginx.service crond').exitCode).toBe(3)
    expect(sh(b, 'systemctl is-active httpd')).toMatchObject({ exitCode: 3, stdout: 'inactive\n' })
    expect(sh(b, 'cat /etc/motd')).toMatchObject({ exitCode: 0, stdout: 'golden\n' })
    expect(sh(b, 'cat /nope').stderr).toContain('No such file or directory')
    expect(sh(b, 'test -f /etc/motd').exitCode).toBe(0)
    expect(sh(b, '[ -d /var/www ]').exitCode).toBe(0)
    expect(sh(b, '[ ! -f /etc/shadow.bak ]').exitCode).toBe(0)
    expect(sh(b, 'grep -q Hello /var/www/html/index.html').exitCode).toBe(0)
    expect(sh(b, 'grep -q Hello /missing').exitCode).toBe(2)
    expect(sh(b, 'wget -qO- http://localhost/ | grep -q Hello').exitCode).toBe(0)
    expect(sh(b, 'wget -q -O - http://localhost/x').exitCode).toBe(8)
  })

  it('PowerShell: Invoke-WebRequest against the page, Write-Output, exit', () => {
    const ps = (b: ImageBehaviour, ...lines: string[]) => runScript(b, lines, 'powershell')
    expect(
      ps(web, '(Invoke-WebRequest -UseBasicParsing -Uri http://localhost/).Content').stdout
    ).toContain('Hello from my custom AMI!')
    expect(ps({}, 'Invoke-WebRequest -UseBasicParsing http://localhost/').exitCode).toBe(1)
    expect(ps(web, 'Write-Output ok', 'exit 4')).toMatchObject({ stdout: 'ok\n', exitCode: 4 })
  })
})
