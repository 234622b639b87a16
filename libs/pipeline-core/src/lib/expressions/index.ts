export { EXPRESSION_LIMITS, ExpressionSyntaxError, parseExpression, type Expr, type BinaryOperator } from './parser';
export {
  ExpressionEvaluationError,
  FUNCTIONS as EXPRESSION_FUNCTIONS,
  MAX_STRING_RESULT,
  STATUS_FUNCTIONS,
  Unresolved,
  evaluate,
  isTruthy,
  looseEquals,
  toNumber,
  truthiness,
  type EvaluationScope,
  type StatusFunction,
} from './evaluator';
export {
  CONDITION_ROOTS,
  CONDITION_STEP_STATUSES,
  checkCondition,
  compileCondition,
  decideCondition,
  type CompiledCondition,
  type ConditionCheckOptions,
  type ConditionOutcome,
  type ConditionProblem,
} from './condition';
