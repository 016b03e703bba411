// Optional VNet (vnetEnabled): one subnet for the Flex Consumption app's VNet integration, one for
// private endpoints, and the private DNS zones for blob, queue and Key Vault, linked to the VNet.
// Zone names come from environment() so that sovereign clouds get theirs.

param location string
param tags object = {}
param vnetName string

@description('Address space of the VNet.')
param addressPrefix string = '10.20.0.0/16'
param appSubnetPrefix string = '10.20.1.0/24'
param privateEndpointSubnetPrefix string = '10.20.2.0/24'

var storageSuffix = environment().suffixes.storage
var zoneNames = {
  blob: 'privatelink.blob.${storageSuffix}'
  queue: 'privatelink.queue.${storageSuffix}'
  // keyvaultDns is '.vault.azure.net' (or the sovereign equivalent); the zone is privatelink.vaultcore.<suffix>.
  vault: replace(environment().suffixes.keyvaultDns, '.vault.', 'privatelink.vaultcore.')
}

resource vnet 'Microsoft.Network/virtualNetworks@2024-05-01' = {
  name: vnetName
  location: location
  tags: tags
  properties: {
    addressSpace: {
      addressPrefixes: [
        addressPrefix
      ]
    }
    subnets: [
      {
        name: 'app'
        properties: {
          addressPrefix: appSubnetPrefix
          delegations: [
            {
              name: 'flex-consumption'
              properties: {
                serviceName: 'Microsoft.App/environments' // Flex Consumption VNet integration
              }
            }
          ]
        }
      }
      {
        name: 'private-endpoints'
        properties: {
          addressPrefix: privateEndpointSubnetPrefix
          privateEndpointNetworkPolicies: 'Disabled'
        }
      }
    ]
  }
}

resource zones 'Microsoft.Network/privateDnsZones@2024-06-01' = [
  for zone in items(zoneNames): {
    name: zone.value
    location: 'global'
    tags: tags
  }
]

resource zoneLinks 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = [
  for (zone, i) in items(zoneNames): {
    parent: zones[i]
    name: '${vnetName}-link'
    location: 'global'
    tags: tags
    properties: {
      registrationEnabled: false
      virtualNetwork: {
        id: vnet.id
      }
    }
  }
]

// items() sorts by key: blob, queue, vault.
output appSubnetId string = '${vnet.id}/subnets/app'
output privateEndpointSubnetId string = '${vnet.id}/subnets/private-endpoints'
output blobDnsZoneId string = zones[0].id
output queueDnsZoneId string = zones[1].id
output keyVaultDnsZoneId string = zones[2].id
