import { pauseRecording } from "../../src/functions/pauseRecording";
import { describeRecordingAction } from "../support/recordingControlFakes";

describeRecordingAction(pauseRecording, "pause");
