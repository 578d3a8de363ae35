/**
 * `@comments-platform/contract`: the comments platform's `contractV1`, its parameter's name and a
 * runtime validator, with no dependency. `readContract(stack)` for Pulumi programs is in
 * `@comments-platform/contract/pulumi`.
 */
export {
  CONTRACT_V2_VERSION,
  CONTRACT_VERSION,
  type ContractV1,
  type ContractV2,
  contractParameterArn,
  contractParameterName,
} from "./contract";
export {
  CONTRACT_V1_FIELDS,
  CONTRACT_V2_FIELDS,
  ContractError,
  type FieldKind,
  parseContractV1,
  parseContractV2,
  validateContractV1,
  validateContractV2,
} from "./validate";
