import * as path from 'path';
import { AgentCode } from '../../src';

export const FIXTURES = path.join(__dirname, '..', 'fixtures');
export const nodeAgentCode = () => AgentCode.fromNodejsDirectory(path.join(FIXTURES, 'node-agent'));
export const pythonAgentCode = () => AgentCode.fromPythonDirectory(path.join(FIXTURES, 'python-agent'));
