//! One generic ScalarUDF for Flink's functions: a name, a signature, a return type from
//! the argument types, and a vectorized evaluation.

use arrow::datatypes::DataType;
use datafusion::error::Result;
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

/// The return type, from the (coerced) argument types.
pub type ReturnFn = fn(&[DataType]) -> Result<DataType>;
/// The evaluation: the arguments, the batch's row count, the return type.
pub type EvalFn = fn(&[ColumnarValue], usize, &DataType) -> Result<ColumnarValue>;
/// Argument coercion for a user-defined signature: the types the arguments are cast to.
pub type CoerceFn = fn(&[DataType]) -> Result<Vec<DataType>>;

// Two UDFs are equal when they are the same function: comparing the fn pointers is what
// is meant here.
#[allow(unpredictable_function_pointer_comparisons)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct FlinkScalar {
    name: &'static str,
    signature: Signature,
    ret: ReturnFn,
    eval: EvalFn,
    coerce: Option<CoerceFn>,
}

impl FlinkScalar {
    /// Arguments are coerced by `coerce` (a user-defined signature).
    pub fn coerced(mut self, coerce: CoerceFn) -> Self {
        self.signature = Signature::user_defined(self.signature.volatility);
        self.coerce = Some(coerce);
        self
    }

    pub fn volatile(mut self) -> Self {
        self.signature.volatility = Volatility::Volatile;
        self
    }

    pub fn build(self) -> ScalarUDF {
        ScalarUDF::new_from_impl(self)
    }
}

/// A Flink scalar function named `name` (lower case) with `signature`.
pub fn scalar(
    name: &'static str,
    signature: Signature,
    ret: ReturnFn,
    eval: EvalFn,
) -> FlinkScalar {
    FlinkScalar {
        name,
        signature,
        ret,
        eval,
        coerce: None,
    }
}

impl ScalarUDFImpl for FlinkScalar {
    fn name(&self) -> &str {
        self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        (self.ret)(arg_types)
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        match self.coerce {
            Some(c) => c(arg_types),
            None => Ok(arg_types.to_vec()),
        }
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        (self.eval)(&args.args, args.number_rows, args.return_field.data_type())
    }
}
