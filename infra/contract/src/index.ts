/**
 * `@comments-platform/contract`: the comments platform's `contractV1`, its parameter's name and a
 * runtime validator, with no dependency. `readContract(stack)` for Pulumi programs is in
 * `@comments-platform/contract/pulumi`.
 */
export {
  CONTRACT_VERSION,
  type ContractV1,
  contractParameterArn,
  contractParameterName,
} from "./contract";
export {
  CONTRACT_V1_FIELDS,
  ContractError,
  type FieldKind,
  parseContractV1,
  validateContractV1,
} from "./validate";
