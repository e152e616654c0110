// The SDK is pinned (package-lock.json); its "Node 22 needed after January 2027" notice is known and only noise in test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
