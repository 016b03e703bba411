import { app } from "@azure/functions";

// Sets the app up; each function registers itself in src/functions/<name>.ts.
app.setup({ enableHttpStream: false });
