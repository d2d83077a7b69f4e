pub mod unknown_instruction;
