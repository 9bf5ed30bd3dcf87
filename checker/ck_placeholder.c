/* Placeholder until the checker sources land; delete when they do. */
int ck_placeholder_symbol;
