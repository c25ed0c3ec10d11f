// Inputs that action.yml and the README promise but this version does not carry out yet (testing,
// roll-out). action.yml declares them so the names are reserved and
// GitHub does not drop them with a mere "Unexpected input" warning; a value that asks for the
// missing behaviour is an input error, never silently ignored.
import { InputError } from '../errors.js'
import { quote } from './values.js'

/** name -> the values that ask for nothing new (the default, or empty). */
const PLANNED: [name: string, harmless: string[], feature: string][] = [
  ['test-command', [''], 'testing the image'],
  ['test-launch', ['', 'false'], 'testing the image'],
  ['test-instance-type', [''], 'testing the image'],
  ['test-subnet-id', [''], 'testing the image'],
  ['test-security-group-ids', [''], 'testing the image'],
  ['test-instance-profile', [''], 'testing the image'],
  ['test-account-role', [''], 'testing the image'],
  ['test-regions', [''], 'testing the image'],
  ['test-timeout-minutes', ['', '15'], 'testing the image'],
  ['launch-templates', [''], 'rolling out to launch templates'],
  ['launch-template-set-default', ['', 'true', 'false'], 'rolling out to launch templates']
]

/** One problem per planned input whose value asks for what this version cannot do. */
export function plannedInputProblems(input: (name: string) => string): InputError[] {
  const problems: InputError[] = []
  for (const [name, harmless, feature] of PLANNED) {
    // Letter case as the other booleans and enums take it (True, Deregister).
    const value = input(name)
    if (harmless.includes(value.toLowerCase())) continue
    problems.push(
      new InputError(
        name,
        `${name}: ${quote(value)} asks for ${feature}, which this version of the action does not do yet. Remove ${name} (or set it to its default).`
      )
    )
  }
  return problems
}
