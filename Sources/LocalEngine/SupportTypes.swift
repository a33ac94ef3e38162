import AssistdSupport

/// `Locked` lives in AssistdSupport; this alias lets the engine's files use it without each
/// importing that target.
typealias Locked<Value> = AssistdSupport.Locked<Value>
