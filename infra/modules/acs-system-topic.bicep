// Event Grid system topic on an existing Azure Communication Services resource. Deployed into the
// ACS resource's resource group. An ACS resource can have only one system topic: declaring an
// existing one by name adopts it (its identity is turned on and its tags are replaced).

@description('Name of the system topic.')
param name string

@description('Resource id of the Azure Communication Services resource (the event source).')
param acsResourceId string

param tags object = {}

resource systemTopic 'Microsoft.EventGrid/systemTopics@2025-02-15' = {
  name: name
  location: 'global' // ACS is a global resource, so is its system topic
  tags: tags
  identity: {
    type: 'SystemAssigned' // used for dead-lettering into the archive storage account
  }
  properties: {
    source: acsResourceId
    topicType: 'Microsoft.Communication.CommunicationServices'
  }
}

output name string = systemTopic.name
output id string = systemTopic.id
output principalId string = systemTopic.identity.principalId
