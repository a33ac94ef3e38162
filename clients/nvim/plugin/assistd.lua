-- Commands of assistd.nvim (setup() defines them too, for managers that add the plugin late).
require("assistd.commands").define()
