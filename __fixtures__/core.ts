// ESM mock of @actions/core: register with jest.unstable_mockModule('@actions/core', () => core).
// Inputs come from a plain map (setInputs), so read order never matters.
import { jest } from '@jest/globals'

let inputs: Record<string, string> = {}
export const outputs: Record<string, string> = {}
export const state: Record<string, string> = {}

export function setInputs(values: Record<string, string>): void {
  inputs = { ...values }
}

export function reset(): void {
  inputs = {}
  for (const key of Object.keys(outputs)) delete outputs[key]
  for (const key of Object.keys(state)) delete state[key]
  summaryText.length = 0
  jest.clearAllMocks()
}

export const getInput = jest.fn((name: string, options?: { required?: boolean }): string => {
  const value = (inputs[name] ?? '').trim()
  if (options?.required && !value) throw new Error(`Input required and not supplied: ${name}`)
  return value
})
export const getBooleanInput = jest.fn((name: string): boolean => getInput(name) === 'true')
export const getMultilineInput = jest.fn((name: string): string[] =>
  getInput(name)
    .split('\n')
    .filter((line) => line !== '')
)
export const setOutput = jest.fn((name: string, value: unknown): void => {
  outputs[name] = typeof value === 'string' ? value : JSON.stringify(value)
})
export const saveState = jest.fn((name: string, value: unknown): void => {
  state[name] = typeof value === 'string' ? value : JSON.stringify(value)
})
export const getState = jest.fn((name: string): string => state[name] ?? '')
export const setFailed = jest.fn<(message: string | Error) => void>()
export const setSecret = jest.fn<(secret: string) => void>()
export const info = jest.fn<(message: string) => void>()
export const debug = jest.fn<(message: string) => void>()
export const warning = jest.fn<(message: string | Error, properties?: object) => void>()
export const error = jest.fn<(message: string | Error, properties?: object) => void>()
export const notice = jest.fn<(message: string | Error, properties?: object) => void>()
export const isDebug = jest.fn(() => false)
export const group = jest.fn(async <T>(_name: string, fn: () => Promise<T>): Promise<T> => fn())
export const startGroup = jest.fn<(name: string) => void>()
export const endGroup = jest.fn<() => void>()

/** Everything written to the job summary, joined. */
export const summaryText: string[] = []
export const summary = {
  addRaw(text: string, addEOL = false) {
    summaryText.push(addEOL ? text + '\n' : text)
    return summary
  },
  addEOL() {
    summaryText.push('\n')
    return summary
  },
  async write() {
    return summary
  },
  emptyBuffer() {
    return summary
  },
  stringify() {
    return summaryText.join('')
  }
}
