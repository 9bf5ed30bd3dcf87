/* faults: fault injection for the flushpoint plugin: issue 6.
 *
 * Nothing here yet; the file exists so that the plugin's source list does
 * not change when fault injection lands. */
