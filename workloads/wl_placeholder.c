/* Placeholder until the workload sources land; delete when they do. */
int wl_placeholder_symbol;
