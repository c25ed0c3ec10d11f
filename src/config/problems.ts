// The problems of one readConfig, collected across every section reader so that all of them are
// reported at once (one line each, each starting with its input's name).
import * as core from '@actions/core'
import { InputError } from '../errors.js'
import { parseBoolean, parseList } from './values.js'

export class Problems {
  readonly list: InputError[] = []

  /** Run a check; a failed one is recorded and yields undefined so later checks can go on. */
  attempt<T>(check: () => T): T | undefined {
    try {
      return check()
    } catch (error) {
      if (!(error instanceof InputError)) throw error
      this.list.push(...(error.problems.length ? error.problems : [error]))
      return undefined
    }
  }

  /** `input: message`, the form every problem takes. */
  fail(input: string, message: string): void {
    this.list.push(new InputError(input, `${input}: ${message}`))
  }

  add(...problems: InputError[]): void {
    this.list.push(...problems)
  }

  /** Throws one InputError listing every problem, if there is any. */
  throwIfAny(): void {
    const { list } = this
    if (list.length === 1) throw list[0]
    if (list.length > 1) {
      throw new InputError(list[0].input, list.map((p) => p.message).join('\n'), list)
    }
  }
}

/** Reading inputs for a section reader: values are trimmed, bad ones go to `problems`. */
export interface Inputs {
  problems: Problems
  /** The trimmed value; '' when unset. */
  input(name: string): string
  bool(name: string, fallback: boolean): boolean
  /** A list input, each item checked by `each`; bad items are left out (and recorded). */
  list<T>(name: string, each: (item: string) => T): T[]
}

export function actionInputs(problems: Problems): Inputs {
  const input = (name: string): string => core.getInput(name).trim()
  return {
    problems,
    input,
    bool: (name, fallback) =>
      problems.attempt(() => parseBoolean(name, input(name), fallback)) ?? fallback,
    list: (name, each) =>
      parseList(input(name)).flatMap((item) => {
        const value = problems.attempt(() => each(item))
        return value === undefined ? [] : [value]
      })
  }
}
